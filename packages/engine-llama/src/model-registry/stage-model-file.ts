import { mkdir, mkdtemp, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalModel } from './local-model.js';
import { writeVerifiedStamp } from './verified-stamp.js';

/** Where a model file is built and where it ends up. */
export interface StagedModelTarget {
  alias: string;
  aliasDir: string;
  fileName: string;
  /** Prefix of the temporary work folder inside the alias folder (e.g. '.pull-'). */
  workPrefix: string;
}

/**
 * Builds a model file in a temporary folder inside the alias folder (same file system, so the
 * final rename is atomic), then renames it into place with a `.verified` stamp. `build` writes
 * `outPath` and checks it, returning its sha256. Nothing but the finished file is left behind,
 * and a failed first pull leaves no empty alias folder.
 */
export async function stageModelFile(target: StagedModelTarget, build: (outPath: string, workDir: string) => Promise<{ sha256: string }>): Promise<LocalModel> {
  const { alias, aliasDir, fileName, workPrefix } = target;
  await mkdir(aliasDir, { recursive: true });
  const workDir = await mkdtemp(join(aliasDir, workPrefix));
  let succeeded = false;
  try {
    const { sha256 } = await build(join(workDir, fileName), workDir);
    const finalPath = join(aliasDir, fileName);
    await rename(join(workDir, fileName), finalPath);
    const { mtimeMs, size } = await stat(finalPath);
    await writeVerifiedStamp(finalPath, { sizeBytes: size, mtimeMs, sha256 });
    succeeded = true;
    return { alias, path: finalPath, sizeBytes: size, sha256 };
  } finally {
    await rm(workDir, { recursive: true, force: true });
    if (!succeeded) await rmdir(aliasDir).catch(() => undefined);
  }
}
