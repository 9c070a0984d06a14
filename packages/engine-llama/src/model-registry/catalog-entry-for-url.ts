import { createHash } from 'node:crypto';
import type { CatalogEntry } from './catalog.js';
import { displayUrl } from './display-url.js';
import { ModelRegistryError } from './model-registry-error.js';

/** Longest readable part of a derived alias, before its hash suffix. */
const URL_ALIAS_STEM_CHARS = 64;

/**
 * The ad-hoc catalog entry of a model pulled by URL: cached under `<file stem>-<8 hex of
 * sha256(origin + path)>`, so the same URL always maps to the same folder (query strings, which
 * may carry signatures, are ignored).
 */
export function catalogEntryForUrl(url: string): CatalogEntry {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ModelRegistryError('invalid_model_spec', 'Invalid model URL.', { cause: error });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ModelRegistryError('invalid_model_spec', `Model URLs must be http(s): ${displayUrl(parsed)}.`);
  }
  const lastSegment = parsed.pathname.split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(lastSegment);
  } catch {
    name = lastSegment;
  }
  const stem =
    name
      .replace(/\.gguf$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, URL_ALIAS_STEM_CHARS) || 'model';
  const digest = createHash('sha256').update(`${parsed.origin}${parsed.pathname}`).digest('hex').slice(0, 8);
  const safeName = /^[A-Za-z0-9][A-Za-z0-9._-]*\.gguf$/i.test(name) ? name : `${stem}.gguf`;
  return {
    alias: `${stem}-${digest}`,
    description: `Downloaded from ${displayUrl(parsed)}`,
    fileName: safeName,
    source: { kind: 'url', url: parsed.href },
  };
}
