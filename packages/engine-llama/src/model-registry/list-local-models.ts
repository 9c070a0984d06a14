import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { findCatalogEntry, MODEL_CATALOG, type CatalogEntry } from './catalog.js';
import { findCachedModelFile } from './find-cached-model-file.js';
import type { LocalModel } from './local-model.js';
import { isValidModelAlias } from './model-alias-dir.js';
import { modelCacheDir } from './model-cache-dir.js';
import { readVerifiedStamp } from './verified-stamp.js';

/** Options of {@link listLocalModels}. */
export interface ListLocalModelsOptions {
  env?: NodeJS.ProcessEnv;
  catalog?: readonly CatalogEntry[];
}

/**
 * The models in the cache, sorted by alias, without reading them (partial downloads are left
 * out); `sha256` is set when the file's `.verified` stamp is current.
 */
export async function listLocalModels(options: ListLocalModelsOptions = {}): Promise<LocalModel[]> {
  const root = modelCacheDir(options.env);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const models: LocalModel[] = [];
  for (const alias of names.sort()) {
    if (!isValidModelAlias(alias)) continue;
    const entry = findCatalogEntry(alias, options.catalog ?? MODEL_CATALOG);
    const path = await findCachedModelFile(join(root, alias), entry?.fileName);
    if (path === undefined) continue;
    let stats;
    try {
      stats = await stat(path);
    } catch {
      continue;
    }
    const stamp = await readVerifiedStamp(path);
    const current = stamp !== undefined && stamp.sizeBytes === stats.size && stamp.mtimeMs === stats.mtimeMs;
    models.push({ alias, path, sizeBytes: stats.size, ...(current ? { sha256: stamp.sha256 } : {}) });
  }
  return models;
}
