import { join } from 'node:path';
import { modelCacheDir } from './model-cache-dir.js';
import { ModelRegistryError } from './model-registry-error.js';

/** Aliases are single path segments, so `<cache>/models/<alias>` never escapes the cache. */
const ALIAS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether a string can name a cache folder. */
export function isValidModelAlias(alias: string): boolean {
  return ALIAS_PATTERN.test(alias);
}

/** `<cache>/models/<alias>`, refusing aliases that are not a plain folder name. */
export function modelAliasDir(alias: string, env?: NodeJS.ProcessEnv): string {
  if (!isValidModelAlias(alias)) {
    throw new ModelRegistryError(
      'invalid_model_spec',
      `Invalid model alias '${alias}': use letters, digits, '.', '_' and '-' only (see \`spark models list\`).`,
    );
  }
  return join(modelCacheDir(env), alias);
}
