import type { Snapshot } from './apply-patch.js';
import { PatchError } from './patch-error.js';
import type { PatchFileSystem } from './patch-file-system.js';

/**
 * Restores every path in `snapshot` to its content before the patch: rewrites updated and
 * deleted files, removes added ones (a move is both). Returns the paths it changed.
 */
export async function undoPatch(snapshot: Snapshot, fs: PatchFileSystem): Promise<string[]> {
  const restored: string[] = [];
  for (const [path, before] of snapshot) {
    try {
      const now = await fs.read(path);
      if (now === before) continue;
      if (before === undefined) await fs.remove(path);
      else await fs.write(path, before);
      restored.push(path);
    } catch (error) {
      if (PatchError.is(error)) throw error;
      throw new PatchError('io_error', `Undo failed while restoring '${path}'`, { path, cause: error });
    }
  }
  return restored;
}
