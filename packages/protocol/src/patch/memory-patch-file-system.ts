import type { PatchFileSystem } from './patch-file-system.js';

/** `PatchFileSystem` over a `Map`: for dry runs, browsers and tests. Optionally fails writes. */
export class MemoryPatchFileSystem implements PatchFileSystem {
  readonly files: Map<string, string>;
  /** Paths whose `write` rejects, to exercise rollback. */
  readonly failWrites = new Set<string>();

  constructor(files: Record<string, string> = {}) {
    this.files = new Map(Object.entries(files));
  }

  async read(path: string): Promise<string | undefined> {
    return this.files.get(path);
  }

  async write(path: string, text: string): Promise<void> {
    if (this.failWrites.has(path)) throw new Error(`write failed: ${path}`);
    this.files.set(path, text);
  }

  async remove(path: string): Promise<void> {
    if (!this.files.delete(path)) throw new Error(`no such file: ${path}`);
  }

  /** The files as a plain object, for deep-equal assertions. */
  toObject(): Record<string, string> {
    return Object.fromEntries([...this.files].sort(([a], [b]) => a.localeCompare(b)));
  }
}
