import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '@spark/protocol';
import { bearerToken, cookieValue, tokenMatches } from './app-pages/token-match.js';
import { APP_TOKEN_QUERY, appTokenCookieName } from './wire/host-paths.js';

/** What the server tells the host about an upgrade (a subset of the server's `ExtensionUpgradeContext`). */
export interface UpgradeContext {
  url: URL;
  hasApiKey(authorization: string | undefined): boolean;
  readonly apiKeysRequired: boolean;
  /** The server's raw HTTP error answer for a refused upgrade (its `writeRawHttpError`). */
  refuse(error: ApiError): void;
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
  const candidates = [cookieValue(headers.cookie, appTokenCookieName(headers.host)), bearerToken(authorization), context.url.searchParams.get(APP_TOKEN_QUERY) ?? undefined];
  if (candidates.some((candidate) => tokenMatches(candidate, token))) return undefined;
  if (context.apiKeysRequired && authorization !== undefined && context.hasApiKey(authorization)) return undefined;
  return new ApiError(401, 'invalid_request_error', 'invalid_app_token',
    'The agent host needs the app token: open the URL `spark app` printed, or send "Authorization: Bearer <token>".');
}

/**
 * True without an Origin (not a browser), or for exactly the origin the `Host` header names,
 * over http or https (`spark serve --tls-cert`): one port speaks one scheme, so the scheme adds
 * nothing to tell pages apart.
 */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (host === undefined) return false;
  try {
    const parsed = new URL(origin);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    return parsed.origin === new URL(`${parsed.protocol}//${host}`).origin;
  } catch {
    return false;
  }
}
