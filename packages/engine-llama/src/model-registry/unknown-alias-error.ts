import type { CatalogEntry } from './catalog.js';
import { ModelRegistryError } from './model-registry-error.js';

/** The error for an alias that is neither in the catalog nor in the cache. */
export function unknownAliasError(alias: string, catalog: readonly CatalogEntry[]): ModelRegistryError {
  const known = catalog.map((entry) => entry.alias).join(', ');
  return new ModelRegistryError(
    'model_not_found',
    `Unknown model '${alias}'. Pass a path to a .gguf file, an https URL of one, or a model alias (${known}; see \`spark models list\`).`,
  );
}
