import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `${SPARK_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/spark}/models`: where pulled models live. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const sparkCache = nonEmpty(env['SPARK_CACHE_DIR']);
  if (sparkCache !== undefined) return join(resolve(sparkCache), 'models');
  const xdgCache = nonEmpty(env['XDG_CACHE_HOME']) ?? join(homedir(), '.cache');
  return join(resolve(xdgCache), 'spark', 'models');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
