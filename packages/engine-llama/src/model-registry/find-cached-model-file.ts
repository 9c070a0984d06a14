import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The model file in an alias folder: `fileName` when given (catalog entries), else the first
 * `.gguf` there (models pulled by URL); undefined when none is there.
 */
export async function findCachedModelFile(aliasDir: string, fileName?: string): Promise<string | undefined> {
  if (fileName !== undefined) {
    const path = join(aliasDir, fileName);
    return (await isFile(path)) ? path : undefined;
  }
  let names: string[];
  try {
    names = await readdir(aliasDir);
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    if (!name.toLowerCase().endsWith('.gguf')) continue;
    const path = join(aliasDir, name);
    if (await isFile(path)) return path;
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
