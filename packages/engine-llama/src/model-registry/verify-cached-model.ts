import { corruptModelError } from './corrupt-model-error.js';
import { hashFile } from './hash-file.js';
import type { LocalModel } from './local-model.js';
import type { PullProgress } from './pull-options.js';
import { throttleProgress } from './throttle-progress.js';
import { readVerifiedStamp, writeVerifiedStamp } from './verified-stamp.js';
import { verifyGgufFile } from './verify-gguf-file.js';

/** Options for {@link verifyCachedModel}. */
export interface VerifyCachedModelOptions {
  alias: string;
  /** Pinned checksum; otherwise the one recorded when the file was first verified. */
  sha256?: string;
  sizeBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

/**
 * Checks a cached model: GGUF magic always; size and sha256 only when the `.verified` stamp is
 * missing or stale (size or mtime changed), so a verified 1 GB file costs one stat per pull.
 */
export async function verifyCachedModel(path: string, options: VerifyCachedModelOptions): Promise<LocalModel> {
  const { alias, sha256: pinned, sizeBytes: expectedSize } = options;
  const info = await verifyGgufFile(path, { alias });
  if (expectedSize !== undefined && info.sizeBytes !== expectedSize) {
    const reason =
      info.sizeBytes < expectedSize
        ? `truncated: ${info.sizeBytes} of ${expectedSize} bytes`
        : `size mismatch: ${info.sizeBytes} bytes, expected ${expectedSize}`;
    throw corruptModelError(path, reason, alias);
  }
  const stamp = await readVerifiedStamp(path);
  const fresh = stamp !== undefined && stamp.sizeBytes === info.sizeBytes && stamp.mtimeMs === info.mtimeMs;
  if (fresh && (pinned === undefined || stamp.sha256 === pinned)) {
    return { alias, path, sizeBytes: info.sizeBytes, sha256: stamp.sha256 };
  }
  const expected = pinned ?? stamp?.sha256;
  options.onProgress?.({ phase: 'verify', alias, message: `Verifying ${path}`, receivedBytes: 0, totalBytes: info.sizeBytes });
  const report = throttleProgress((receivedBytes, totalBytes) =>
    options.onProgress?.({ phase: 'verify', alias, receivedBytes, ...(totalBytes === undefined ? {} : { totalBytes }) }),
  );
  const actual = await hashFile(path, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onProgress: (hashed) => report(hashed, info.sizeBytes),
  });
  if (expected !== undefined && actual !== expected) throw corruptModelError(path, 'checksum mismatch', alias);
  await writeVerifiedStamp(path, { sizeBytes: info.sizeBytes, mtimeMs: info.mtimeMs, sha256: actual });
  return { alias, path, sizeBytes: info.sizeBytes, sha256: actual };
}
