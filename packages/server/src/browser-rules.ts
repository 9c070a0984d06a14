import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, apiErrors } from '@spark/protocol';
import { isLoopbackHost } from './auth.js';
import { isOriginAllowed } from './is-origin-allowed.js';

/** Methods a CORS preflight allows (every method a route answers). */
export const CORS_ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
/** Request headers a preflight allows when the browser names none (the SDK's own). */
export const CORS_DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, openai-beta, openai-organization, openai-project';
/** Response headers a CORS page may read. */
export const CORS_EXPOSED_HEADERS = 'x-request-id, retry-after';
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * What a browser may do with this server (ServerOptions `allowedHosts`, `corsOrigins`, and the
 * WebSocket `allowedOrigins`), resolved once at start.
 */
export interface BrowserRules {
  /** Host names (lowercase, no port) accepted besides loopback ones and the bind address; '*' accepts any. */
  allowedHosts: readonly string[];
  /** The bind address as a host name (lowercase, no brackets). */
  boundHost: string;
  /**
   * True on a non-loopback bind without `allowedHosts`: such a bind requires an API key, which
   * is the wall there, and remote clients reach the server by names it cannot know.
   */
  anyHost: boolean;
  /** Origins answered with CORS headers (exact match; '*' for any). */
  corsOrigins: readonly string[];
  /** Origins allowed to send requests at all, besides loopback and same-IP ones: the CORS ones and the WebSocket ones. */
  allowedOrigins: readonly string[];
}

export interface BrowserRulesOptions {
  host: string;
  allowedHosts?: readonly string[] | undefined;
  corsOrigins?: readonly string[] | undefined;
  websocketOrigins?: readonly string[] | undefined;
}

export function resolveBrowserRules(options: BrowserRulesOptions): BrowserRules {
  const allowedHosts = (options.allowedHosts ?? []).map((name) => bareHostName(name)).filter((name) => name !== '');
  const corsOrigins = [...(options.corsOrigins ?? [])];
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) throw new Error(`Invalid CORS origin '${origin}': expected scheme://host[:port] without a path, or '*'.`);
  }
  return {
    allowedHosts,
    boundHost: bareHostName(options.host),
    anyHost: !isLoopbackHost(options.host) && allowedHosts.length === 0,
    corsOrigins,
    allowedOrigins: [...corsOrigins, ...(options.websocketOrigins ?? [])],
  };
}

/**
 * The DNS-rebinding check: the `Host` header must name a loopback host (any port), the bind
 * address, or an allowed name. A request without `Host` (HTTP/1.0 tools) passes: browsers always
 * send one. Returns the 403 to answer, or undefined.
 */
export function checkHost(rules: BrowserRules, host: string | undefined): ApiError | undefined {
  if (host === undefined || rules.anyHost) return undefined;
  const name = bareHostName(host);
  if (isLoopbackHost(name) || name === rules.boundHost || rules.allowedHosts.includes(name) || rules.allowedHosts.includes('*')) return undefined;
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return new ApiError(403, 'invalid_request_error', 'host_not_allowed',
    `The Host '${shown}' is not allowed: this server answers only to localhost, loopback addresses and its bind address, so that `
    + `web pages cannot reach it through DNS rebinding. To reach it by this name, start it with --allowed-host ${shown} (option allowedHosts).`);
}

/** The Origin check (the WebSocket rule, for every request): returns the 403 to answer, or undefined. */
export function checkOrigin(rules: BrowserRules, headers: IncomingHttpHeaders): ApiError | undefined {
  if (isOriginAllowed(headers.origin, headers.host, rules.allowedOrigins)) return undefined;
  return new ApiError(403, 'invalid_request_error', 'origin_not_allowed',
    'Requests from this browser Origin are not allowed. To let a web page use this server, start it with --cors-origin <origin> (option corsOrigins).');
}

/** CORS headers for an actual response: only for origins the user named. */
export function corsHeaders(rules: BrowserRules, origin: string | undefined): Record<string, string> {
  if (rules.corsOrigins.length === 0) return {};
  if (origin === undefined || !isCorsOrigin(rules, origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': CORS_EXPOSED_HEADERS, vary: 'Origin' };
}

/**
 * The answer to a CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`):
 * 204 with the allow headers for a named origin, else a 403 error.
 */
export function preflightAnswer(rules: BrowserRules, headers: IncomingHttpHeaders): { status: 204; headers: Record<string, string> } | ApiError {
  const origin = headers.origin;
  if (origin === undefined || !isCorsOrigin(rules, origin)) {
    return new ApiError(403, 'invalid_request_error', 'cors_origin_not_allowed',
      'This Origin may not make cross-origin requests to this server. Start it with --cors-origin <origin> (option corsOrigins) to allow one.');
  }
  const requested = headers['access-control-request-headers'];
  const allowHeaders = requested !== undefined && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/.test(requested.trim())
    ? requested.trim().toLowerCase()
    : CORS_DEFAULT_ALLOWED_HEADERS;
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': CORS_ALLOWED_METHODS,
      'access-control-allow-headers': allowHeaders,
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    },
  };
}

/** True for a CORS preflight request. */
export function isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/**
 * Request bodies must be JSON, declared so: a page can send `text/plain` cross-origin without a
 * preflight, never `application/json`. Returns the 415 to answer, or undefined.
 */
export function checkContentType(contentType: string | undefined): ApiError | undefined {
  const [type = '', ...parameters] = (contentType ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json') return apiErrors.unsupportedMediaType();
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() === 'charset' && value.trim().replace(/^"|"$/g, '').toLowerCase() !== 'utf-8') return apiErrors.unsupportedMediaType();
  }
  return undefined;
}

function isCorsOrigin(rules: BrowserRules, origin: string): boolean {
  return rules.corsOrigins.includes('*') || rules.corsOrigins.includes(origin);
}

/** `Host`-style `name[:port]`, `[v6]:port` or a bare address -> lowercase name without brackets, port or trailing dot. */
function bareHostName(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') === -1 ? undefined : name.indexOf(']'));
  else if (name.split(':').length === 2) name = name.slice(0, name.indexOf(':'));
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
