import { isIP } from 'node:net';
import { isLoopbackHost } from './auth.js';

/**
 * The browser Origin rule of every HTTP request and WebSocket handshake (browsers send `Origin`; other clients do not,
 * and authenticate with the API key). Allowed: no `Origin`; a loopback origin
 * (`http://localhost:5173`); an origin naming the same IP-literal host as the request's `Host`
 * header (a page served by this server at `http://192.168.1.5:8000`); anything listed in
 * `allowed` (exact origin, or `'*'`). Same-host by DNS name is not enough on its own: a DNS
 * rebinding page would pass it, so such origins must be listed.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (isLoopbackHost(parsed.hostname)) return true;
  const bare = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return host !== undefined && isIP(bare) !== 0 && parsed.host.toLowerCase() === host.toLowerCase();
}
