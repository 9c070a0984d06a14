import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '@spark/protocol';
import { APP_TOKEN_COOKIE, APP_TOKEN_QUERY } from './wire/host-paths.js';

/** What the server tells the host about an upgrade (a subset of the server's `ExtensionRequestContext`). */
export interface UpgradeContext {
  url: URL;
  hasApiKey(authorization: string | undefined): boolean;
  readonly apiKeysRequired: boolean;
}

/**
 * The host's own wall in front of the agents, stricter than the server's: an `Origin`, when a
 * browser sends one, must be this server's own origin (a dev page on another loopback port is a
 * foreign page), and the upgrade must carry the app's token (cookie, bearer header or `?token=`)
 * or, on a server started with API keys, one of those keys. Returns the error to answer, or
 * undefined to accept.
 */
export function checkHostUpgrade(headers: IncomingHttpHeaders, context: UpgradeContext, token: string): ApiError | undefined {
  if (!isSameOrigin(headers.origin, headers.host)) {
    return new ApiError(403, 'invalid_request_error', 'origin_not_allowed',
      'The agent host accepts WebSocket connections only from pages this server serves (same Origin).');
  }
  const authorization = headers.authorization;
  const bearer = authorization !== undefined && /^Bearer\s+/i.test(authorization) ? authorization.replace(/^Bearer\s+/i, '').trim() : undefined;
  const candidates = [readCookie(headers.cookie, APP_TOKEN_COOKIE), bearer, context.url.searchParams.get(APP_TOKEN_QUERY) ?? undefined];
  if (candidates.some((candidate) => candidate !== undefined && tokensEqual(candidate, token))) return undefined;
  if (context.apiKeysRequired && authorization !== undefined && context.hasApiKey(authorization)) return undefined;
  return new ApiError(401, 'invalid_request_error', 'invalid_app_token',
    'The agent host needs the app token: open the URL `spark app` printed, or send "Authorization: Bearer <token>".');
}

/** True without an Origin (not a browser), or for exactly the origin the `Host` header names. */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (host === undefined) return false;
  try {
    return new URL(origin).origin === new URL(`http://${host}`).origin;
  } catch {
    return false;
  }
}

/** Compares in time independent of where they differ (both hashed to one length first). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1 || part.slice(0, index).trim() !== name) continue;
    const value = part.slice(index + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}
