import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { APP_TOKEN_QUERY, appTokenCookieName } from '../wire/host-paths.js';
import { bearerToken, cookieValue, tokenMatches } from './token-match.js';

/** Largest asset file the pages serve; anything bigger in the assets folder is not the app's. */
export const MAX_APP_ASSET_BYTES = 32 * 1024 * 1024;
/** Longest request path the pages look at (longer ones get 404 without touching the disk). */
export const MAX_APP_PATH_CHARS = 1024;

/** Content types of the files a Vite build writes; others are served as bytes. */
export const APP_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Hashed build outputs never change under their name; the page itself is checked every load. */
const IMMUTABLE = 'private, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

export interface AppPagesOptions {
  /** The built app (Vite's `dist`: `index.html` and `assets/`). */
  assetsDir: string;
  /** This start's token: in the URL once, then in the cookie. */
  token: string;
}

export interface AppPagesExtension {
  readonly name: string;
  handleRequest(req: IncomingMessage, res: ServerResponse, context: { url: URL }): Promise<boolean>;
}

/**
 * The browser app's pages on `spark serve` (a `ServerExtension`): `GET /?token=<t>` trades the
 * token for an HttpOnly SameSite=Strict cookie and redirects to `/`, so the token leaves the
 * address bar and history; every page and asset then needs that cookie (or a Bearer header).
 * The server's Host and Origin rules run before this, so a rebinding page never gets here.
 */
export function createAppPagesExtension(options: AppPagesOptions): AppPagesExtension {
  const token = options.token;
  if (token.length < 16) throw new Error('The app token must be at least 16 characters.');
  let rootReal: Promise<string> | undefined;
  const root = (): Promise<string> => (rootReal ??= realpath(resolve(options.assetsDir)));

  return {
    name: 'app-pages',
    async handleRequest(req, res, context) {
      const { url } = context;
      if (url.pathname.startsWith('/v1/') || url.pathname === '/v1') return false;
      // The host's WebSocket check reads the same name (check-host-upgrade.ts).
      const cookieName = appTokenCookieName(req.headers.host);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendText(res, req, 405, 'Method not allowed.', { allow: 'GET, HEAD' });
        return true;
      }
      const queryToken = url.searchParams.get(APP_TOKEN_QUERY);
      if (queryToken !== null) {
        if (!tokenMatches(queryToken, token)) {
          sendUnauthorized(req, res);
          return true;
        }
        url.searchParams.delete(APP_TOKEN_QUERY);
        const search = url.searchParams.toString();
        res.writeHead(302, {
          ...SECURITY_HEADERS,
          location: `${url.pathname}${search === '' ? '' : `?${search}`}`,
          'set-cookie': `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
          'content-length': '0',
        }).end();
        return true;
      }
      const presented = cookieValue(req.headers.cookie, cookieName) ?? bearerToken(req.headers.authorization);
      if (!tokenMatches(presented, token)) {
        sendUnauthorized(req, res);
        return true;
      }
      const file = await findAsset(await root(), url.pathname);
      if (file === undefined) return false;
      const isPage = file.path.endsWith('.html');
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        ...(isPage ? { 'content-security-policy': contentSecurityPolicy(req.headers.host) } : {}),
        'content-type': APP_CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
        'content-length': String(file.size),
        'cache-control': url.pathname.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
      });
      if (req.method === 'HEAD') {
        res.end();
        return true;
      }
      await pipeline(createReadStream(file.path), res).catch(() => { res.destroy(); });
      return true;
    },
  };
}

/** Sent on every answer: no sniffing, no referrer (the token never leaks in one), no framing. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/**
 * Scripts, styles and connections from this origin only (no inline script, no eval); the
 * WebSocket to this same host is named as well, for browsers whose `'self'` does not cover ws:.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sameHostSockets = host !== undefined && /^[A-Za-z0-9.\-[\]:]{1,300}$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sameHostSockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The file a request path names inside `root` (real path, symlinks resolved), or undefined. */
async function findAsset(root: string, pathname: string): Promise<{ path: string; size: number } | undefined> {
  if (pathname.length > MAX_APP_PATH_CHARS) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const candidate = resolve(root, relative);
  if (!candidate.startsWith(root + sep)) return undefined;
  try {
    // A symlink inside the folder must not lead out of it either.
    const real = await realpath(candidate);
    if (!real.startsWith(root + sep)) return undefined;
    const info = await stat(real);
    if (!info.isFile() || info.size > MAX_APP_ASSET_BYTES) return undefined;
    return { path: real, size: info.size };
  } catch {
    return undefined;
  }
}

const UNAUTHORIZED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spark: token needed</title></head>
<body><h1>Spark needs this start's token</h1>
<p>Open the URL that <code>spark app</code> (or <code>spark serve</code>) printed in your terminal: it carries a token, once, that this browser then keeps in a cookie.</p>
</body></html>
`;

function sendUnauthorized(req: IncomingMessage, res: ServerResponse): void {
  const body = Buffer.from(UNAUTHORIZED_PAGE);
  res.writeHead(401, {
    ...SECURITY_HEADERS,
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(body.length),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendText(res: ServerResponse, req: IncomingMessage, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    ...SECURITY_HEADERS, ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
