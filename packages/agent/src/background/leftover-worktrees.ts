import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { OWNER_SUFFIX, removeIsolatedWorkspace } from './isolated-workspace.js';

/** What `createIsolatedWorkspace` records beside a worktree. */
const ownerSchema = z.object({ pid: z.number().int().positive(), repository: z.string().optional() });

/**
 * Removes the worktrees whose owning process is gone (a crash or a kill skipped their cleanup),
 * unregistering each from its repository. Worktrees of live processes (another `spark` sharing
 * the directory) stay; so does anything without an owner record. Returns the ids removed.
 */
export async function sweepLeftoverWorktrees(parent: string): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith(OWNER_SUFFIX)) continue;
    const id = name.slice(0, -OWNER_SUFFIX.length);
    const owner = ownerSchema.safeParse(await readFile(join(parent, name), 'utf8').then((text): unknown => JSON.parse(text), () => undefined));
    if (owner.success && (owner.data.pid === process.pid || isAlive(owner.data.pid))) continue;
    // Also deletes the owner record.
    await removeIsolatedWorkspace({ root: join(parent, id), ...(owner.success && owner.data.repository !== undefined ? { repository: owner.data.repository } : {}) }).catch(() => undefined);
    removed.push(id);
  }
  return removed;
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
