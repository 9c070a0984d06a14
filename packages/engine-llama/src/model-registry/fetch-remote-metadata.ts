import { httpStatusError } from './http-status-error.js';
import { networkError } from './network-error.js';
import { HUB_METADATA_TIMEOUT_MS } from './pull-options.js';
import { createTimeoutSignal } from './timeout-signal.js';

/** Same-origin redirects followed (renamed hub repositories answer with one). */
const MAX_SAME_ORIGIN_REDIRECTS = 5;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What a server says about a file before we download it. */
export interface RemoteFileMetadata {
  sha256?: string;
  sizeBytes?: number;
}

/** Options for {@link fetchRemoteMetadata}. */
export interface FetchRemoteMetadataOptions {
  headers?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Hub semantics: a 64-hex `ETag` is the LFS sha256 (elsewhere an ETag can be anything), and a
   * 401/403 is final (elsewhere a URL may be presigned for GET only).
   */
  trustEtag?: boolean;
}

/**
 * HEADs `url` without following cross-origin redirects, the way huggingface_hub does: the hub
 * puts the LFS sha256 and size in `X-Linked-Etag` / `X-Linked-Size` on the redirect to its CDN.
 * Throws `network_error` when the server cannot be reached, `model_not_found` on 404.
 */
export async function fetchRemoteMetadata(
  url: string,
  options: FetchRemoteMetadataOptions = {},
): Promise<RemoteFileMetadata> {
  const timeout = createTimeoutSignal(options.signal, options.timeoutMs ?? HUB_METADATA_TIMEOUT_MS);
  try {
    let current = url;
    for (let hop = 0; hop <= MAX_SAME_ORIGIN_REDIRECTS; hop += 1) {
      let response: Response;
      try {
        response = await fetch(current, {
          method: 'HEAD',
          redirect: 'manual',
          headers: { ...options.headers },
          signal: timeout.signal,
        });
      } catch (error) {
        if (options.signal?.aborted === true) throw options.signal.reason;
        throw networkError(current, error);
      }
      await response.body?.cancel();
      if (response.status >= 300 && response.status < 400) {
        const linked = readMetadata(response.headers, { etag: false, contentLength: false });
        const location = response.headers.get('location');
        if (linked.sha256 !== undefined || location === null) return linked;
        const next = new URL(location, current);
        if (next.origin !== new URL(current).origin) return linked;
        current = next.href;
        continue;
      }
      if (response.ok) return readMetadata(response.headers, { etag: options.trustEtag === true, contentLength: true });
      const error = httpStatusError(response.status, current);
      // Servers that refuse HEAD (405, 501, or 403 from a URL presigned for GET only) still
      // serve GET; only definite answers stop here.
      const authFailed = response.status === 401 || response.status === 403;
      if (error.code === 'model_not_found' || error.code === 'network_error' || (authFailed && options.trustEtag === true)) {
        throw error;
      }
      return {};
    }
    return {};
  } finally {
    timeout.dispose();
  }
}

/** The sha256 and size a response advertises: the hub's linked headers, then (when they describe the file) ETag and Content-Length. */
export function readMetadata(headers: Headers, trust: { etag: boolean; contentLength: boolean }): RemoteFileMetadata {
  const sha256 =
    parseSha256(headers.get('x-linked-etag')) ?? (trust.etag ? parseSha256(headers.get('etag')) : undefined);
  const sizeBytes =
    parseSize(headers.get('x-linked-size')) ??
    (trust.contentLength ? parseSize(headers.get('content-length')) : undefined);
  return { ...(sha256 === undefined ? {} : { sha256 }), ...(sizeBytes === undefined ? {} : { sizeBytes }) };
}

function parseSha256(value: string | null): string | undefined {
  if (value === null) return undefined;
  const bare = value.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return SHA256_HEX.test(bare) ? bare : undefined;
}

function parseSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
