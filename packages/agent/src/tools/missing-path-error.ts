import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { displayPath } from './resolve-workspace-path.js';
import type { WorkspacePath } from './resolve-workspace-path.js';
import { suggestSimilarNames } from './suggest-similar-names.js';
import { ToolError, systemErrorCode } from './tool-error.js';

/** A `not_found` error for a path that does not exist, naming close matches when cheap to find. */
export async function missingPathError(target: WorkspacePath, cause?: unknown): Promise<ToolError> {
  const shown = displayPath(target.relative);
  const details = cause === undefined ? { path: shown } : { path: shown, cause };
  const parent = dirname(target.absolute);
  const parentShown = dirname(shown);
  if (!(await isDirectory(parent))) {
    return new ToolError('not_found', `'${shown}' does not exist: its directory '${parentShown}' does not exist either. Use list_dir or search to find the right path.`, details);
  }
  const similar = await suggestSimilarNames(parent, basename(target.absolute));
  const prefix = parentShown === '.' ? '' : `${parentShown}/`;
  const hint = similar.length === 0 ? '' : ` Did you mean ${similar.map((name) => `'${prefix}${name}'`).join(' or ')}?`;
  return new ToolError('not_found', `'${shown}' does not exist.${hint} Use list_dir or search to find the right path.`, details);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `stat` of a resolved tool target: a missing path becomes `missingPathError` (with close
 * matches), any other failure an `io_error` saying what could not be done (`verb`: read, list...).
 */
export async function statTarget(target: WorkspacePath, verb: string): Promise<Stats> {
  try {
    return await stat(target.absolute);
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw await missingPathError(target, error);
    const shown = displayPath(target.relative);
    throw new ToolError('io_error', `Cannot ${verb} '${shown}' (${code ?? 'unknown error'}).`, { path: shown, cause: error });
  }
}
