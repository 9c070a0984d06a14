import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    const lower = bare.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || lower.startsWith('::ffff:127.');
  }
  return false;
}

/**
 * Checks an `Authorization: Bearer <key>` header against the configured keys. Keys are compared
 * as SHA-256 digests with `timingSafeEqual`, and every key is tried, so timing reveals nothing.
 */
export function createBearerCheck(apiKeys: readonly string[]): (authorization: string | undefined) => boolean {
  const digests = apiKeys.map(digest);
  return (authorization) => {
    const match = /^Bearer\s+(\S.*)$/i.exec(authorization?.trim() ?? '');
    const candidate = digest(match?.[1]?.trim() ?? '');
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(key, candidate) || ok;
    return ok && match !== null;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
