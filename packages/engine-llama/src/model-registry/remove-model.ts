import { rm, stat } from 'node:fs/promises';
import { catalogEntryForUrl } from './catalog-entry-for-url.js';
import { modelAliasDir } from './model-alias-dir.js';
import { parseModelSpec } from './parse-model-spec.js';

/** Options of {@link removeModel}. */
export interface RemoveModelOptions {
  env?: NodeJS.ProcessEnv;
}

/**
 * Deletes `<cache>/models/<alias>` (model, stamp, partial downloads); an http(s) URL names the
 * alias it was pulled under. Returns false when nothing was cached under that alias.
 */
export async function removeModel(alias: string, options: RemoveModelOptions = {}): Promise<boolean> {
  const spec = parseModelSpec(alias);
  const dir = modelAliasDir(spec.kind === 'url' ? catalogEntryForUrl(spec.url).alias : alias.trim(), options.env);
  try {
    await stat(dir);
  } catch {
    return false;
  }
  await rm(dir, { recursive: true, force: true });
  return true;
}
