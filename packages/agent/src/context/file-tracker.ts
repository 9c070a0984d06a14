import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What the model last saw of a file. */
export interface FileVersion {
  mtimeMs: number;
  size: number;
  sha256: string;
}

/**
 * Remembers the version of each file the model has read or written, so a file changed on disk
 * since (by the user, an editor, a formatter) is re-read instead of trusted from memory.
 */
export class FileTracker {
  private readonly versions = new Map<string, FileVersion>();

  constructor(private readonly workspace: string) {}

  /** `path` is workspace-relative (posix). */
  record(path: string, version: FileVersion): void {
    this.versions.set(path, version);
  }

  /** After the agent itself wrote a file: its new content is what the model expects. */
  async recordCurrent(path: string): Promise<void> {
    const version = await readVersion(join(this.workspace, path));
    if (version === undefined) this.versions.delete(path);
    else this.versions.set(path, version);
  }

  forget(path: string): void {
    this.versions.delete(path);
  }

  get size(): number {
    return this.versions.size;
  }

  /**
   * Files whose content differs from what the model saw: a cheap stat first, the hash only when
   * the stat moved (a touch without a change is not stale). Deleted files are reported too.
   */
  async findStale(): Promise<Array<{ path: string; deleted: boolean }>> {
    const stale: Array<{ path: string; deleted: boolean }> = [];
    for (const [path, seen] of this.versions) {
      const file = join(this.workspace, path);
      let info;
      try {
        info = await stat(file);
      } catch {
        stale.push({ path, deleted: true });
        continue;
      }
      if (info.mtimeMs === seen.mtimeMs && info.size === seen.size) continue;
      const now = await readVersion(file);
      if (now === undefined) stale.push({ path, deleted: true });
      else if (now.sha256 !== seen.sha256) stale.push({ path, deleted: false });
      else this.versions.set(path, now);
    }
    return stale;
  }
}

export async function readVersion(file: string): Promise<FileVersion | undefined> {
  try {
    const [info, bytes] = await Promise.all([stat(file), readFile(file)]);
    return { mtimeMs: info.mtimeMs, size: info.size, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch {
    return undefined;
  }
}
