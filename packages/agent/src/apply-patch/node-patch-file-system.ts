import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { resolveWorkspacePath } from '../tools/resolve-workspace-path.js';
import { ToolError } from '../tools/tool-error.js';
import { PatchError, type PatchFileSystem } from '@spark/protocol';

/**
 * `PatchFileSystem` on the local disk, rooted at a workspace directory. Refuses any path that
 * resolves outside it: absolute paths elsewhere, `..` escapes, and symlinks (of the file or any
 * parent) that lead out. Paths are checked on every call, before the file is touched.
 */
export class NodePatchFileSystem implements PatchFileSystem {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async read(path: string): Promise<string | undefined> {
    const file = await this.resolveInside(path);
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw new PatchError('io_error', `Cannot read '${path}' (${errorCode(error) ?? 'unknown error'})`, { path, cause: error });
    }
  }

  async write(path: string, text: string): Promise<void> {
    const file = await this.resolveInside(path);
    await mkdir(dirname(file), { recursive: true });
    // Re-check: mkdir may have walked through a directory swapped for a symlink meanwhile.
    await this.resolveInside(path);
    await writeFile(file, text, 'utf8');
  }

  async remove(path: string): Promise<void> {
    await unlink(await this.resolveInside(path));
  }

  /** The absolute path for `path`, or a `path_outside_workspace` error. */
  async resolveInside(path: string): Promise<string> {
    const refuse = (why: string): PatchError =>
      new PatchError('path_outside_workspace', `Refused path '${path}': ${why}. Only files inside the workspace can be patched`, { path });
    if (path.includes('\0')) throw refuse('it contains a NUL character');
    const file = resolve(this.root, path);
    if (!isInside(this.root, file)) throw refuse('it resolves outside the workspace');
    // Shared with the read tools: follows every symlink, dangling ones included, so a link whose
    // target does not exist yet cannot be used to create a file outside.
    try {
      const resolved = await resolveWorkspacePath(this.root, path);
      if (resolved.relative === '') throw refuse('it is the workspace directory itself');
      return resolved.absolute;
    } catch (error) {
      if (PatchError.is(error)) throw error;
      if (ToolError.is(error) && error.code === 'outside_workspace') throw refuse('a symbolic link leads outside the workspace');
      throw new PatchError('io_error', `Cannot resolve '${path}' (${error instanceof Error ? error.message : String(error)})`, { path, cause: error });
    }
  }
}

// Strictly inside: the root itself is not a file that can be patched.
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' ? code : undefined;
}
