import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Measurements a cache file keeps; the oldest go first. */
export const BATCH_LIMIT_CACHE_ENTRIES = 64;
const FORMAT_VERSION = 1;

/** Everything a measured verification batch limit depends on. */
export interface BatchLimitSetup {
  /** The model file, its size and modification time (a replaced file is measured again). */
  readonly modelPath: string;
  /** llama.cpp's release, build type, GPU backend and CPU features: they pick the kernels. */
  readonly build: string;
  readonly decodeThreads: number;
  readonly verifyThreads: number;
  readonly flashAttention: boolean;
  readonly tolerance: number;
  readonly maxBatchTokens: number;
  /** Identity of the probe (its texts and what it compares). */
  readonly probe: string;
}

interface Entry {
  key: string;
  limit: number;
}

/**
 * Measured verification batch limits kept in one JSON file across engine starts, because the
 * measurement costs two passes of one-token steps per model (seconds on a small model, far more
 * on a large one on CPU) while its result only changes with the model file, the llama.cpp build
 * and the thread setup. A missing, unreadable or malformed file means "measure"; a failed write
 * only costs the next start a measurement. Writes go through a temporary file and a rename, so
 * concurrent engines never see half a file (the last writer wins).
 */
export class BatchLimitCache {
  constructor(readonly file: string) {}

  /** The stored limit for `setup`, if any. */
  async get(setup: BatchLimitSetup): Promise<number | undefined> {
    const key = await cacheKey(setup);
    return (await this.entries()).find((entry) => entry.key === key)?.limit;
  }

  /** Stores `limit` for `setup`. */
  async set(setup: BatchLimitSetup, limit: number): Promise<void> {
    const key = await cacheKey(setup);
    const entries = [...(await this.entries()).filter((entry) => entry.key !== key), { key, limit }].slice(-BATCH_LIMIT_CACHE_ENTRIES);
    const part = `${this.file}.${process.pid}.part`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(part, `${JSON.stringify({ version: FORMAT_VERSION, entries }, null, 1)}\n`);
      await rename(part, this.file);
    } catch {
      await rm(part, { force: true }).catch(() => undefined);
    }
  }

  private async entries(): Promise<Entry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    return parseEntries(text);
  }
}

/** The entries of a cache file's text; anything malformed reads as no entries (or is skipped). */
export function parseEntries(text: string): Entry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || !('version' in parsed) || parsed.version !== FORMAT_VERSION || !('entries' in parsed) || !Array.isArray(parsed.entries)) return [];
  const entries: Entry[] = [];
  for (const item of parsed.entries as unknown[]) {
    if (typeof item !== 'object' || item === null || !('key' in item) || !('limit' in item)) continue;
    const { key, limit } = item;
    if (typeof key === 'string' && typeof limit === 'number' && Number.isInteger(limit) && limit >= 1) entries.push({ key, limit });
  }
  return entries;
}

async function cacheKey(setup: BatchLimitSetup): Promise<string> {
  const { size, mtimeMs } = await stat(setup.modelPath);
  return JSON.stringify({ ...setup, size, mtimeMs });
}
