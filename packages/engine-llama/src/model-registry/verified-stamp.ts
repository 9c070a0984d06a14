import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** What `<file>.verified` records: the file was checked when it had this size and mtime. */
export interface VerifiedStamp {
  sizeBytes: number;
  mtimeMs: number;
  sha256: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Path of the stamp beside a model file. */
export function verifiedStampPath(modelPath: string): string {
  return `${modelPath}.verified`;
}

/** The stamp beside `modelPath`, or undefined when absent or unreadable. */
export async function readVerifiedStamp(modelPath: string): Promise<VerifiedStamp | undefined> {
  let text: string;
  try {
    text = await readFile(verifiedStampPath(modelPath), 'utf8');
  } catch {
    return undefined;
  }
  return parseStamp(text);
}

/** Writes the stamp atomically; best effort, since a read-only cache must still be usable. */
export async function writeVerifiedStamp(modelPath: string, stamp: VerifiedStamp): Promise<void> {
  const path = verifiedStampPath(modelPath);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(stamp)}\n`);
    await rename(temp, path);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

function parseStamp(text: string): VerifiedStamp | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { sizeBytes, mtimeMs, sha256 } = value as Record<string, unknown>;
  if (typeof sizeBytes !== 'number' || typeof mtimeMs !== 'number') return undefined;
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) return undefined;
  return { sizeBytes, mtimeMs, sha256 };
}
