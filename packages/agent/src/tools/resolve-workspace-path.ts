import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ToolError, systemErrorCode } from './tool-error.js';

/** Most symlinks followed through dangling links before giving up (Linux's own ELOOP limit). */
export const MAX_SYMLINK_HOPS = 40;

/** A model-supplied path, resolved and confined to the workspace. */
export interface WorkspacePath {
  /** Absolute path with every existing symlink resolved; inside `root` or `root` itself. */
  absolute: string;
  /** Relative to `root` with `/` separators; `''` for the workspace root itself. */
  relative: string;
  /** The workspace root, symlinks resolved. */
  root: string;
}

/**
 * Resolves `path` (relative to the workspace, or absolute inside it; `''` and `.` mean the
 * root) to its real location, refusing with `outside_workspace` anything that lands outside:
 * `..` escapes, absolute paths elsewhere, and symlinks (of the file, a parent, or a dangling
 * link) that lead out. The path need not exist: its longest existing ancestor decides.
 */
export async function resolveWorkspacePath(workspace: string, path: string): Promise<WorkspacePath> {
  if (path.includes('\0')) {
    throw new ToolError('invalid_arguments', `The path ${quote(path)} contains a NUL character. Pass a plain workspace-relative path.`, { path });
  }
  const root = await realRootOf(workspace);
  const wanted = path.trim();
  let lexical: string;
  if (isAbsolute(wanted)) {
    // The model may have seen either spelling of the root (e.g. /tmp vs /private/tmp on macOS).
    const given = resolve(workspace);
    const rel = isInsideOrSame(root, resolve(wanted)) ? relative(root, resolve(wanted)) : isInsideOrSame(given, resolve(wanted)) ? relative(given, resolve(wanted)) : undefined;
    if (rel === undefined) {
      // Models often write workspace paths with a leading '/'; say how to fix it, never guess.
      const stripped = wanted.replace(/^\/+/, '');
      const hint = stripped === '' || isAbsolute(stripped) ? '' : ` (if you meant ${quote(stripped)} in the workspace, drop the leading '/')`;
      throw outside(path, `it is an absolute path outside the workspace${hint}`);
    }
    lexical = resolve(root, rel);
  } else {
    lexical = resolve(root, wanted);
    if (!isInsideOrSame(root, lexical)) throw outside(path, 'it climbs out of the workspace with ..');
  }
  const real = await resolveReal(lexical, path, 0);
  if (!isInsideOrSame(root, real)) throw outside(path, 'a symbolic link on the way leads outside the workspace');
  return { absolute: real, relative: toPosix(relative(root, real)), root };
}

/** A workspace-relative path as the model should see it: `.` for the root. */
export function displayPath(relativePath: string): string {
  return relativePath === '' ? '.' : relativePath;
}

/** Whether `path` is `root` or below it (both absolute and normalized). */
export function isInsideOrSame(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** `path` with the platform separator replaced by `/`. */
export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

async function realRootOf(workspace: string): Promise<string> {
  try {
    return await realpath(resolve(workspace));
  } catch (error) {
    throw new ToolError('not_found', 'The workspace directory does not exist or cannot be read; nothing can be resolved inside it.', { cause: error });
  }
}

// The real path of `path`: realpath of its longest existing ancestor plus the missing rest, and
// for a dangling symlink the place it points to (writing through it would land there).
async function resolveReal(path: string, original: string, hops: number): Promise<string> {
  const rest: string[] = [];
  let probe = path;
  for (;;) {
    try {
      const real = await realpath(probe);
      return rest.length === 0 ? real : join(real, ...rest);
    } catch (error) {
      const code = systemErrorCode(error);
      if (code === 'ELOOP') throw new ToolError('io_error', `The path ${quote(original)} goes through a loop of symbolic links. Use another path.`, { path: original, cause: error });
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new ToolError('io_error', `Cannot resolve ${quote(original)} (${code ?? 'unknown error'}).`, { path: original, cause: error });
      }
      const link = code === 'ENOENT' ? await danglingTarget(probe) : undefined;
      if (link !== undefined) {
        if (hops >= MAX_SYMLINK_HOPS) throw new ToolError('io_error', `The path ${quote(original)} goes through too many symbolic links. Use another path.`, { path: original });
        return resolveReal(rest.length === 0 ? link : join(link, ...rest), original, hops + 1);
      }
      const parent = dirname(probe);
      if (parent === probe) return path;
      rest.unshift(basename(probe));
      probe = parent;
    }
  }
}

async function danglingTarget(path: string): Promise<string | undefined> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return undefined;
    return resolve(dirname(path), await readlink(path));
  } catch {
    return undefined;
  }
}

function outside(path: string, why: string): ToolError {
  return new ToolError(
    'outside_workspace',
    `Refused path ${quote(path)}: ${why}. Only files inside the workspace can be used; pass a path relative to the workspace root (e.g. 'src/index.ts').`,
    { path },
  );
}

/** A model-supplied path, quoted and clipped for an error message. */
export function quote(path: string): string {
  return `'${path.length > 200 ? `${path.slice(0, 200)}…` : path}'`;
}
