import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { displayUrl } from './display-url.js';
import { httpStatusError } from './http-status-error.js';
import { ModelRegistryError } from './model-registry-error.js';
import { networkError } from './network-error.js';
import {
  DOWNLOAD_IDLE_TIMEOUT_MS,
  DOWNLOAD_RESPONSE_TIMEOUT_MS,
  DOWNLOAD_RESUME_ATTEMPTS,
  DOWNLOAD_RETRY_DELAY_MS,
} from './pull-options.js';
import { throttleProgress, type ByteProgress } from './throttle-progress.js';
import { createTimeoutSignal } from './timeout-signal.js';

/** Options for {@link downloadFile}; every limit defaults to the constant of the same name. */
export interface DownloadFileOptions {
  headers?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  /** Until response headers arrive. */
  responseTimeoutMs?: number;
  /** Longest silence while the body streams. */
  idleTimeoutMs?: number;
  /** Times an interrupted transfer resumes by itself (0: fail at once, keeping the partial file). */
  resumeAttempts?: number;
  retryDelayMs?: number;
  onProgress?: ByteProgress;
  /** Called when an interrupted transfer is about to resume by itself. */
  onResume?: (receivedBytes: number, error: ModelRegistryError) => void;
}

/** A finished download in its partial file, not yet checked or moved. */
export interface DownloadedFile {
  sizeBytes: number;
  sha256: string;
  /** Headers of the final response (after redirects). */
  headers: Headers;
  /** Bytes that were already in the partial file when the first request went out. */
  resumedFromBytes: number;
}

/** A transfer that broke after it started; the partial file is kept for the next attempt. */
class InterruptedDownload extends Error {
  constructor(readonly registryError: ModelRegistryError) {
    super(registryError.message, { cause: registryError });
  }
}

/**
 * Downloads `url` into `partPath`, resuming from what `partPath` already holds with a
 * `Range: bytes=<size>-` request (a 206 appends; a 200 starts over), hashing as it writes.
 * An interrupted transfer resumes by itself `resumeAttempts` times, then throws
 * `download_failed` and keeps the partial file so the next pull resumes it. An abort rethrows
 * the signal's reason, also keeping the partial file.
 */
export async function downloadFile(url: string, partPath: string, options: DownloadFileOptions = {}): Promise<DownloadedFile> {
  const attempts = options.resumeAttempts ?? DOWNLOAD_RESUME_ATTEMPTS;
  const firstSize = await fileSize(partPath);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const done = await downloadOnce(url, partPath, options);
      return { ...done, resumedFromBytes: firstSize };
    } catch (error) {
      if (!(error instanceof InterruptedDownload)) throw error;
      if (attempt >= attempts) throw error.registryError;
      options.onResume?.(await fileSize(partPath), error.registryError);
      const delayMs = options.retryDelayMs ?? DOWNLOAD_RETRY_DELAY_MS;
      await sleep(delayMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
    }
  }
}

async function downloadOnce(
  url: string,
  partPath: string,
  options: DownloadFileOptions,
): Promise<Omit<DownloadedFile, 'resumedFromBytes'>> {
  const { signal } = options;
  const shown = displayUrl(url);
  let existing = await fileSize(partPath);
  // One restart from zero is allowed when the server cannot continue our partial file.
  for (let restarted = false; ; restarted = true) {
    // Hash what we already have before asking, so the response timeout never covers local work.
    const prefixHash = createHash('sha256');
    if (existing > 0) await hashPrefix(prefixHash, partPath, existing, signal);
    const timeout = createTimeoutSignal(signal, options.responseTimeoutMs ?? DOWNLOAD_RESPONSE_TIMEOUT_MS);
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          // identity: byte ranges and Content-Length must count the file's bytes, not gzip's.
          headers: {
            ...options.headers,
            'accept-encoding': 'identity',
            ...(existing > 0 ? { range: `bytes=${existing}-` } : {}),
          },
          redirect: 'follow',
          signal: timeout.signal,
        });
      } catch (error) {
        if (signal?.aborted === true) throw signal.reason;
        throw networkError(url, error);
      }
      const range = response.status === 206 ? parseContentRange(response.headers.get('content-range')) : undefined;
      const cannotResume =
        existing > 0 && (response.status === 416 || (response.status === 206 && range?.start !== existing));
      if (cannotResume && !restarted) {
        await response.body?.cancel();
        await rm(partPath, { force: true });
        existing = 0;
        continue;
      }
      if ((response.status !== 200 && response.status !== 206) || cannotResume || response.body === null) {
        await response.body?.cancel();
        throw response.ok
          ? new ModelRegistryError('download_failed', `Empty response from ${shown}.`)
          : httpStatusError(response.status, url);
      }
      const append = response.status === 206;
      const hash = append ? prefixHash : createHash('sha256');
      const offset = append ? existing : 0;
      const totalBytes = append ? range?.total : parseLength(response.headers.get('content-length'));
      const report = throttleProgress(options.onProgress);
      report(offset, totalBytes);
      timeout.restart(options.idleTimeoutMs ?? DOWNLOAD_IDLE_TIMEOUT_MS);
      const received = await writeBody(response.body as WebReadableStream<Uint8Array>, partPath, append, offset, {
        hash,
        report: (bytes) => {
          timeout.restart();
          report(bytes, totalBytes);
        },
      }).catch((error: unknown) => {
        if (signal?.aborted === true) throw signal.reason;
        if (error instanceof WriteFailed) throw error.registryError;
        const why = timeout.timedOut ? 'stalled' : 'interrupted';
        const got = error instanceof BodyFailed ? error.receivedBytes : offset;
        const cause = error instanceof BodyFailed ? error.cause : error;
        throw new InterruptedDownload(interruptedError(shown, why, got, totalBytes, cause));
      });
      if (totalBytes !== undefined && received !== totalBytes) {
        throw new InterruptedDownload(interruptedError(shown, 'interrupted', received, totalBytes, undefined));
      }
      return { sizeBytes: received, sha256: hash.digest('hex'), headers: response.headers };
    } finally {
      timeout.dispose();
    }
  }
}

/** The body broke off after `receivedBytes` (all of them written). */
class BodyFailed extends Error {
  constructor(readonly receivedBytes: number, cause: unknown) {
    super('body failed', { cause });
  }
}

/** The disk, not the network, failed: not worth resuming. */
class WriteFailed extends Error {
  constructor(readonly registryError: ModelRegistryError) {
    super(registryError.message, { cause: registryError });
  }
}

/**
 * Writes each chunk before reading the next, so after any failure the partial file holds
 * exactly the bytes received (a piped write stream would drop its buffer on destroy).
 */
async function writeBody(
  body: WebReadableStream<Uint8Array>,
  partPath: string,
  append: boolean,
  offset: number,
  sink: { hash: Hash; report: (receivedBytes: number) => void },
): Promise<number> {
  const handle = await open(partPath, append ? 'a' : 'w');
  let received = offset;
  try {
    try {
      for await (const chunk of body) {
        try {
          await handle.write(chunk);
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          throw new WriteFailed(
            new ModelRegistryError(
              'download_failed',
              `Cannot write ${partPath} (${typeof code === 'string' ? code : 'write error'}). Free some disk space or set SPARK_CACHE_DIR.`,
              { cause: error },
            ),
          );
        }
        sink.hash.update(chunk);
        received += chunk.length;
        sink.report(received);
      }
    } catch (error) {
      if (error instanceof WriteFailed) throw error;
      throw new BodyFailed(received, error);
    }
  } finally {
    await handle.close();
  }
  return received;
}

function interruptedError(
  shown: string,
  why: 'stalled' | 'interrupted',
  received: number,
  total: number | undefined,
  cause: unknown,
): ModelRegistryError {
  const of = total === undefined ? `${received} bytes` : `${received} of ${total} bytes`;
  return new ModelRegistryError(
    'download_failed',
    `Download of ${shown} ${why} after ${of}. Run the same pull again to resume it.`,
    cause === undefined ? undefined : { cause },
  );
}

async function hashPrefix(hash: Hash, path: string, lengthBytes: number, signal: AbortSignal | undefined): Promise<void> {
  const stream = createReadStream(path, { end: lengthBytes - 1, ...(signal === undefined ? {} : { signal }) });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  } finally {
    stream.destroy();
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function parseLength(value: string | null): number | undefined {
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** `bytes <start>-<end>/<total|*>` */
function parseContentRange(value: string | null): { start: number; total?: number } | undefined {
  const match = value === null ? null : /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value.trim());
  if (match === null) return undefined;
  const start = Number(match[1]);
  return match[2] === '*' || match[2] === undefined ? { start } : { start, total: Number(match[2]) };
}
