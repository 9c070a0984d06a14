import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Options for {@link hashFile}. */
export interface HashFileOptions {
  signal?: AbortSignal;
  onProgress?: (hashedBytes: number) => void;
}

/** The sha256 (lowercase hex) of a file, streamed. */
export async function hashFile(path: string, options: HashFileOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, options.signal === undefined ? {} : { signal: options.signal });
  let hashed = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      hashed += chunk.length;
      options.onProgress?.(hashed);
    }
  } finally {
    stream.destroy();
  }
  return hash.digest('hex');
}
