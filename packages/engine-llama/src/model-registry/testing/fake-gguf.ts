import { createHash } from 'node:crypto';

/** Deterministic bytes that pass the GGUF magic check: "GGUF", version 3, then a pattern from `seed`. */
export function fakeGguf(sizeBytes: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 1) bytes[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  bytes.write('GGUF', 0, 'latin1');
  if (sizeBytes >= 8) bytes.writeUInt32LE(3, 4);
  return bytes;
}

/** sha256 hex of some bytes. */
export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
