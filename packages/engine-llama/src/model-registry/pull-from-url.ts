import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireDownloadLock } from './acquire-download-lock.js';
import { displayUrl } from './display-url.js';
import { downloadFile } from './download-file.js';
import { fetchRemoteMetadata, readMetadata } from './fetch-remote-metadata.js';
import type { LocalModel } from './local-model.js';
import { ModelRegistryError } from './model-registry-error.js';
import type { PullProgress, PullTimeouts } from './pull-options.js';
import { writeVerifiedStamp } from './verified-stamp.js';
import { verifyGgufFile } from './verify-gguf-file.js';

/** What to fetch and where to put it. */
export interface PullFromUrlRequest {
  alias: string;
  url: string;
  /** `<aliasDir>/<fileName>` is the destination; `<fileName>.part` the resumable partial file. */
  aliasDir: string;
  fileName: string;
  /** Pinned checksum; wins over the one the server publishes. */
  sha256?: string;
  sizeBytes?: number;
  /** Origin of the Hugging Face hub: only there is HF_TOKEN sent and an ETag trusted as sha256. */
  hubOrigin: string;
  hubToken?: string;
}

/** How to fetch it. */
export interface PullFromUrlOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
  timeouts: PullTimeouts;
  resumeAttempts?: number;
}

/**
 * The hub route: HEAD for the published sha256 and size, resumable GET into `<file>.part`,
 * sha256 and GGUF checks, atomic rename, `.verified` stamp. A failed check deletes the
 * download; an interrupted one keeps it for the next pull.
 */
export async function pullFromUrl(request: PullFromUrlRequest, options: PullFromUrlOptions): Promise<LocalModel> {
  const { alias, url, aliasDir, fileName } = request;
  const { signal, timeouts } = options;
  const onHub = originOf(url) === request.hubOrigin;
  const headers: Record<string, string> = {
    'user-agent': 'spark-model-registry',
    ...(onHub && request.hubToken !== undefined ? { authorization: `Bearer ${request.hubToken}` } : {}),
  };
  const metadata = await fetchRemoteMetadata(url, {
    headers,
    timeoutMs: timeouts.metadataMs,
    trustEtag: onHub,
    ...(signal === undefined ? {} : { signal }),
  });
  const expectedSize = request.sizeBytes ?? metadata.sizeBytes;
  await mkdir(aliasDir, { recursive: true });
  const finalPath = join(aliasDir, fileName);
  const release = await acquireDownloadLock(finalPath, alias);
  let succeeded = false;
  try {
    const model = await downloadVerifyAndMove(request, options, {
      headers,
      finalPath,
      expectedSize,
      metadataSha256: metadata.sha256,
    });
    succeeded = true;
    return model;
  } finally {
    await release();
    // Leaves the folder when a resumable .part is in it.
    if (!succeeded) await rmdir(aliasDir).catch(() => undefined);
  }
}

/** What pullFromUrl learned before taking the lock. */
interface DownloadContext {
  headers: Record<string, string>;
  finalPath: string;
  expectedSize: number | undefined;
  metadataSha256: string | undefined;
}

async function downloadVerifyAndMove(
  request: PullFromUrlRequest,
  options: PullFromUrlOptions,
  context: DownloadContext,
): Promise<LocalModel> {
  const { alias, url } = request;
  const { signal, onProgress, timeouts } = options;
  const { headers, finalPath, expectedSize } = context;
  const partPath = `${finalPath}.part`;
  const partBytes = await sizeOf(partPath);
  onProgress?.({
    phase: 'download',
    alias,
    message: partBytes > 0 ? `Resuming ${displayUrl(url)} at byte ${partBytes}` : `Downloading ${displayUrl(url)}`,
    receivedBytes: partBytes,
    ...(expectedSize === undefined ? {} : { totalBytes: expectedSize }),
  });
  const downloaded = await downloadFile(url, partPath, {
    headers,
    responseTimeoutMs: timeouts.responseMs,
    idleTimeoutMs: timeouts.idleMs,
    retryDelayMs: timeouts.retryDelayMs,
    ...(options.resumeAttempts === undefined ? {} : { resumeAttempts: options.resumeAttempts }),
    ...(signal === undefined ? {} : { signal }),
    onProgress: (receivedBytes, totalBytes) => {
      const total = totalBytes ?? expectedSize;
      onProgress?.({ phase: 'download', alias, receivedBytes, ...(total === undefined ? {} : { totalBytes: total }) });
    },
    onResume: (receivedBytes, error) => {
      onProgress?.({ phase: 'download', alias, message: `${error.message} Resuming at byte ${receivedBytes}.`, receivedBytes });
    },
  });
  const expectedSha =
    request.sha256 ?? context.metadataSha256 ?? readMetadata(downloaded.headers, { etag: false, contentLength: false }).sha256;
  try {
    if (expectedSha !== undefined && downloaded.sha256 !== expectedSha) {
      throw new ModelRegistryError(
        'checksum_mismatch',
        `The download of ${alias} does not match its published sha256 (expected ${expectedSha}, got ${downloaded.sha256}); it was deleted. Run \`spark models pull ${alias}\` again.`,
      );
    }
    if (expectedSize !== undefined && downloaded.sizeBytes !== expectedSize) {
      throw new ModelRegistryError(
        'checksum_mismatch',
        `The download of ${alias} has ${downloaded.sizeBytes} bytes, expected ${expectedSize}; it was deleted. Run \`spark models pull ${alias}\` again.`,
      );
    }
    await verifyGgufFile(partPath).catch((error: unknown) => {
      throw new ModelRegistryError(
        'model_corrupt',
        `${displayUrl(url)} is not a GGUF model file; the download was deleted. Check the URL or alias.`,
        { cause: error },
      );
    });
  } catch (error) {
    await rm(partPath, { force: true });
    throw error;
  }
  onProgress?.({
    phase: 'verify',
    alias,
    message:
      expectedSha === undefined
        ? `No checksum published for ${displayUrl(url)}; checked the GGUF header only`
        : `Checksum verified (sha256 ${downloaded.sha256})`,
  });
  await rename(partPath, finalPath);
  const { mtimeMs, size } = await stat(finalPath);
  await writeVerifiedStamp(finalPath, { sizeBytes: size, mtimeMs, sha256: downloaded.sha256 });
  return { alias, path: finalPath, sizeBytes: size, sha256: downloaded.sha256 };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
