import { open, readFile, rm } from 'node:fs/promises';
import { ModelRegistryError } from './model-registry-error.js';

/** Releases a lock taken by {@link acquireDownloadLock}. */
export type ReleaseLock = () => Promise<void>;

/**
 * Takes `<file>.lock` (holding our pid) so two pulls of one file never append to the same
 * `.part` at once; a lock whose process is gone is taken over. Throws `download_failed` while
 * a live process holds it.
 */
export async function acquireDownloadLock(finalPath: string, alias: string): Promise<ReleaseLock> {
  const lockPath = `${finalPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new ModelRegistryError(
        'download_failed',
        `Another spark process (pid ${holder}) is already downloading ${alias}. Wait for it to finish, or delete ${lockPath} if that process is gone.`,
      );
    }
    await rm(lockPath, { force: true });
  }
  throw new ModelRegistryError('download_failed', `Could not lock ${lockPath} to download ${alias}; try again.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
