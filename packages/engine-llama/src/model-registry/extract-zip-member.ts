import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openPromise } from 'yauzl';
import { ModelRegistryError } from './model-registry-error.js';
import { throttleProgress, type ByteProgress } from './throttle-progress.js';

/** Options for {@link extractZipMember}. */
export interface ExtractZipMemberOptions {
  /** Append to `destPath` instead of replacing it (to concatenate split files). */
  append?: boolean;
  signal?: AbortSignal;
  /** Sees every decompressed chunk, e.g. to hash while extracting. */
  onData?: (chunk: Buffer) => void;
  onProgress?: ByteProgress;
}

/**
 * Streams one member of a zip file (a wheel) to `destPath` without buffering it, checking its
 * size and CRC as yauzl does; returns the member's size. Throws `download_failed` when the
 * zip is unreadable or lacks the member.
 */
export async function extractZipMember(
  zipPath: string,
  memberName: string,
  destPath: string,
  options: ExtractZipMemberOptions = {},
): Promise<number> {
  const { signal } = options;
  signal?.throwIfAborted();
  const zip = await openPromise(zipPath, { autoClose: false, strictFileNames: false }).catch((error: unknown) => {
    throw new ModelRegistryError('download_failed', `${basename(zipPath)} is not a readable zip file.`, { cause: error });
  });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== memberName) continue;
      const total = entry.uncompressedSize;
      const report = throttleProgress(options.onProgress);
      let written = 0;
      report(written, total);
      try {
        await pipeline(
          await zip.openReadStreamPromise(entry),
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              options.onData?.(chunk);
              written += chunk.length;
              report(written, total);
              yield chunk;
            }
          },
          createWriteStream(destPath, { flags: options.append === true ? 'a' : 'w' }),
          signal === undefined ? {} : { signal },
        );
      } catch (error) {
        if (signal?.aborted === true) throw signal.reason;
        throw new ModelRegistryError('download_failed', `Could not extract ${memberName} from ${basename(zipPath)}.`, {
          cause: error,
        });
      }
      return written;
    }
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    if (ModelRegistryError.is(error)) throw error;
    throw new ModelRegistryError('download_failed', `${basename(zipPath)} is not a readable zip file.`, { cause: error });
  } finally {
    zip.close();
  }
  throw new ModelRegistryError('download_failed', `${basename(zipPath)} has no member ${memberName}.`);
}
