import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `${SPARK_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/spark}`: Spark's cache (models, measurements). */
export function sparkCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const sparkCache = nonEmpty(env['SPARK_CACHE_DIR']);
  if (sparkCache !== undefined) return resolve(sparkCache);
  const xdgCache = nonEmpty(env['XDG_CACHE_HOME']) ?? join(homedir(), '.cache');
  return join(resolve(xdgCache), 'spark');
}

/** `<sparkCacheDir>/models`: where pulled models live. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(sparkCacheDir(env), 'models');
}

/** `<sparkCacheDir>/verify-batch-limits.json`: the engine's measured verification batch limits. */
export function batchLimitCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(sparkCacheDir(env), 'verify-batch-limits.json');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
