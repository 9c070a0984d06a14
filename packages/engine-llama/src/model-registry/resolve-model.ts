import { basename } from 'node:path';
import { findCatalogEntry, MODEL_CATALOG } from './catalog.js';
import { catalogEntryForUrl } from './catalog-entry-for-url.js';
import { findCachedModelFile } from './find-cached-model-file.js';
import type { LocalModel } from './local-model.js';
import { modelAliasDir } from './model-alias-dir.js';
import { ModelRegistryError } from './model-registry-error.js';
import { parseModelSpec } from './parse-model-spec.js';
import { pullModel } from './pull-model.js';
import type { PullOptions } from './pull-options.js';
import { unknownAliasError } from './unknown-alias-error.js';
import { verifyCachedModel } from './verify-cached-model.js';
import { verifyGgufFile } from './verify-gguf-file.js';

/** Options of {@link resolveModel}. */
export type ResolveModelOptions = PullOptions & {
  /** Pull a model that is not cached (or is corrupt) instead of failing. */
  pull?: boolean;
};

/**
 * Turns what the user typed into a loadable file: a path to a .gguf is checked (magic and
 * size); a cached alias or URL is checked against its `.verified` stamp (rehashing only when
 * stale). A model that is missing or corrupt is pulled when `pull` is set, otherwise it is one
 * `model_not_found` / `model_corrupt` error naming the command that fixes it.
 */
export async function resolveModel(spec: string, options: ResolveModelOptions = {}): Promise<LocalModel> {
  options.signal?.throwIfAborted();
  const parsed = parseModelSpec(spec);
  if (parsed.kind === 'path') {
    const info = await verifyGgufFile(parsed.path);
    return { alias: basename(parsed.path).replace(/\.gguf$/i, ''), path: parsed.path, sizeBytes: info.sizeBytes };
  }
  const catalog = options.catalog ?? MODEL_CATALOG;
  const entry = parsed.kind === 'url' ? catalogEntryForUrl(parsed.url) : findCatalogEntry(parsed.alias, catalog);
  const alias = entry?.alias ?? (parsed.kind === 'alias' ? parsed.alias : '');
  const cachedPath = await findCachedModelFile(modelAliasDir(alias, options.env), entry?.fileName);
  if (cachedPath !== undefined) {
    try {
      return await verifyCachedModel(cachedPath, {
        alias,
        ...(entry?.sha256 === undefined ? {} : { sha256: entry.sha256 }),
        ...(entry?.sizeBytes === undefined ? {} : { sizeBytes: entry.sizeBytes }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      });
    } catch (error) {
      if (options.signal?.aborted === true) throw options.signal.reason;
      const repairable = ModelRegistryError.is(error) && error.code === 'model_corrupt' && entry !== undefined;
      if (!repairable || options.pull !== true) throw error;
    }
  }
  if (entry === undefined) throw unknownAliasError(alias, catalog);
  if (options.pull === true) return pullModel(parsed.kind === 'url' ? parsed.url : alias, options);
  throw new ModelRegistryError(
    'model_not_found',
    `Model ${alias} is not downloaded. Run \`spark models pull ${parsed.kind === 'url' ? parsed.url : alias}\`.`,
  );
}
