import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveWorkspacePath } from './resolve-workspace-path.js';
import { ToolError } from './tool-error.js';

function isOutside(error: unknown): boolean {
  assert.ok(ToolError.is(error), String(error));
  assert.equal(error.code, 'outside_workspace', error.message);
  assert.match(error.message, /workspace/);
  return true;
}

describe('resolveWorkspacePath', () => {
  let base: string;
  let root: string;
  let outside: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'spark-resolve-')));
    root = join(base, 'ws');
    outside = join(base, 'outside');
    await mkdir(join(root, 'src', 'deep'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'src', 'a.ts'), 'a\n');
    await writeFile(join(outside, 'secret.txt'), 'secret\n');
    await symlink(outside, join(root, 'link-out'));
    await symlink(join(outside, 'secret.txt'), join(root, 'secret-link.txt'));
    await symlink(join(root, 'src'), join(root, 'link-in'));
    await symlink(join(outside, 'missing.txt'), join(root, 'dangling-out'));
    await symlink(join(root, 'src', 'missing.ts'), join(root, 'dangling-in'));
    await symlink(join(root, 'loop-b'), join(root, 'loop-a'));
    await symlink(join(root, 'loop-a'), join(root, 'loop-b'));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('resolves relative, dotted and empty paths to real paths inside', async () => {
    assert.deepEqual(await resolveWorkspacePath(root, 'src/a.ts'), { absolute: join(root, 'src/a.ts'), relative: 'src/a.ts', root });
    assert.equal((await resolveWorkspacePath(root, './src/deep/../a.ts')).relative, 'src/a.ts');
    assert.equal((await resolveWorkspacePath(root, '')).relative, '');
    assert.equal((await resolveWorkspacePath(root, '.')).absolute, root);
    assert.equal((await resolveWorkspacePath(root, '  src/a.ts ')).relative, 'src/a.ts');
  });

  it('accepts absolute paths inside the workspace', async () => {
    assert.equal((await resolveWorkspacePath(root, join(root, 'src/a.ts'))).relative, 'src/a.ts');
    assert.equal((await resolveWorkspacePath(root, root)).relative, '');
  });

  it('resolves paths that do not exist yet, below existing and missing directories', async () => {
    assert.equal((await resolveWorkspacePath(root, 'src/new.ts')).absolute, join(root, 'src/new.ts'));
    assert.equal((await resolveWorkspacePath(root, 'x/y/z.ts')).relative, 'x/y/z.ts');
    assert.equal((await resolveWorkspacePath(root, 'src/a.ts/below')).relative, 'src/a.ts/below');
  });

  it('follows symlinks that stay inside to their real location', async () => {
    const resolved = await resolveWorkspacePath(root, 'link-in/a.ts');
    assert.equal(resolved.relative, 'src/a.ts');
    assert.equal((await resolveWorkspacePath(root, 'dangling-in')).relative, 'src/missing.ts');
  });

  it('refuses .. escapes and absolute paths elsewhere', async () => {
    await assert.rejects(resolveWorkspacePath(root, '../outside/secret.txt'), isOutside);
    await assert.rejects(resolveWorkspacePath(root, 'src/../../outside'), isOutside);
    await assert.rejects(resolveWorkspacePath(root, '..'), isOutside);
    await assert.rejects(resolveWorkspacePath(root, join(outside, 'secret.txt')), isOutside);
    await assert.rejects(resolveWorkspacePath(root, '/etc/passwd'), isOutside);
    await assert.rejects(resolveWorkspacePath(root, '/src/a.ts'), (error: unknown) => isOutside(error) && /if you meant 'src\/a.ts' in the workspace, drop the leading '\/'/.test(String(error)));
    // A sibling whose name merely starts with the root's name is outside.
    await assert.rejects(resolveWorkspacePath(root, `${root}-evil/x`), isOutside);
  });

  it('refuses symlinks that lead outside: a file, a directory on the way, and a dangling link', async () => {
    await assert.rejects(resolveWorkspacePath(root, 'secret-link.txt'), isOutside);
    await assert.rejects(resolveWorkspacePath(root, 'link-out/secret.txt'), isOutside);
    await assert.rejects(resolveWorkspacePath(root, 'link-out/new/file.txt'), isOutside);
    await assert.rejects(resolveWorkspacePath(root, 'dangling-out'), isOutside);
  });

  it('reports symlink loops and NUL bytes with their own codes', async () => {
    await assert.rejects(resolveWorkspacePath(root, 'loop-a/x'), (error: unknown) => ToolError.is(error) && error.code === 'io_error');
    await assert.rejects(resolveWorkspacePath(root, 'src/a\0.ts'), (error: unknown) => ToolError.is(error) && error.code === 'invalid_arguments');
  });

  it('accepts the workspace given through a symlink, in either spelling', async () => {
    const alias = join(base, 'alias');
    await symlink(root, alias);
    const resolved = await resolveWorkspacePath(alias, 'src/a.ts');
    assert.equal(resolved.absolute, join(root, 'src/a.ts'));
    assert.equal((await resolveWorkspacePath(alias, join(alias, 'src/a.ts'))).relative, 'src/a.ts');
    assert.equal((await resolveWorkspacePath(alias, join(root, 'src/a.ts'))).relative, 'src/a.ts');
  });

  it('fails with not_found when the workspace itself is missing', async () => {
    await assert.rejects(resolveWorkspacePath(join(base, 'nope'), 'a'), (error: unknown) => ToolError.is(error) && error.code === 'not_found');
  });
});
