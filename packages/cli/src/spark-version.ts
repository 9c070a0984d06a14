import { readFileSync } from 'node:fs';

/**
 * Spark's version, from the package.json one folder above this module: in the repo that is
 * `packages/cli/package.json` (this file compiles to `packages/cli/dist/`), in the installed
 * package (`npm run pack`) the bundle sits in `dist/` beside the package's own package.json.
 * Keep this file at the top of `src/` so both stay one folder up.
 */
export function sparkVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
  if (typeof version !== 'string') throw new Error('Spark\'s package.json has no version');
  return version;
}
