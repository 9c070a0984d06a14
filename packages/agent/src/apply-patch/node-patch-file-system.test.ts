import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyPatch, PatchError, undoPatch } from '@spark/protocol';
import { NodePatchFileSystem } from './node-patch-file-system.js';

const envelope = (lines: string[]): string => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');

function isOutside(error: unknown): boolean {
  assert.ok(PatchError.is(error), String(error));
  assert.equal(error.code, 'path_outside_workspace', error.message);
  assert.match(error.message, /outside the workspace|leads outside/);
  return true;
}

describe('NodePatchFileSystem', () => {
  let base: string;
  let root: string;
  let outside: string;
  let fs: NodePatchFileSystem;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'spark-apply-patch-')));
    root = join(base, 'ws');
    outside = join(base, 'outside');
    await mkdir(join(root, 'src'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret\n');
    await symlink(outside, join(root, 'link-dir'));
    await symlink(join(outside, 'secret.txt'), join(root, 'link-file.txt'));
    fs = new NodePatchFileSystem(root);
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('applies, preserves CRLF on disk, and undoes', async () => {
    await writeFile(join(root, 'src/win.txt'), 'one\r\ntwo\r\n');
    const { snapshot, summary } = await applyPatch(
      envelope(['*** Update File: src/win.txt', ' one', '-two', '+TWO', '*** Add File: src/deep/new.txt', '+hi']),
      fs,
    );
    assert.equal(summary, 'Success. Updated the following files:\nM src/win.txt\nA src/deep/new.txt\n');
    assert.equal(await readFile(join(root, 'src/win.txt'), 'utf8'), 'one\r\nTWO\r\n');
    assert.equal(await readFile(join(root, 'src/deep/new.txt'), 'utf8'), 'hi\n');
    await undoPatch(snapshot, fs);
    assert.equal(await readFile(join(root, 'src/win.txt'), 'utf8'), 'one\r\ntwo\r\n');
    assert.equal(await fs.read('src/deep/new.txt'), undefined);
  });

  it('refuses absolute paths outside and .. escapes, but allows absolute paths inside', async () => {
    await assert.rejects(fs.read(join(outside, 'secret.txt')), isOutside);
    await assert.rejects(fs.read('../outside/secret.txt'), isOutside);
    await assert.rejects(fs.write('src/../../x.txt', 'x'), isOutside);
    await assert.rejects(fs.read('.'), isOutside);
    await writeFile(join(root, 'abs.txt'), 'abs\n');
    assert.equal(await fs.read(join(root, 'abs.txt')), 'abs\n');
  });

  it('refuses symlinks that lead outside, for existing files and new ones', async () => {
    await assert.rejects(fs.read('link-file.txt'), isOutside);
    await assert.rejects(fs.read('link-dir/secret.txt'), isOutside);
    await assert.rejects(fs.write('link-dir/new/file.txt', 'x'), isOutside);
    await assert.rejects(
      applyPatch(envelope(['*** Update File: link-file.txt', '-secret', '+pwned']), fs),
      isOutside,
    );
    assert.equal(await readFile(join(outside, 'secret.txt'), 'utf8'), 'secret\n');
  });

  it('refuses a dangling symlink whose target would be created outside', async () => {
    await symlink(join(outside, 'not-yet.txt'), join(root, 'dangling.txt'));
    await assert.rejects(fs.write('dangling.txt', 'evil'), isOutside);
    await assert.rejects(applyPatch(envelope(['*** Add File: dangling.txt', '+evil']), fs), isOutside);
    await assert.rejects(readFile(join(outside, 'not-yet.txt'), 'utf8'), { code: 'ENOENT' });
  });

  it('an escaping path anywhere in a patch leaves every file untouched', async () => {
    await writeFile(join(root, 'keep.txt'), 'keep\n');
    await assert.rejects(
      applyPatch(envelope(['*** Update File: keep.txt', '-keep', '+changed', '*** Add File: ../outside/evil.txt', '+evil']), fs),
      isOutside,
    );
    assert.equal(await readFile(join(root, 'keep.txt'), 'utf8'), 'keep\n');
    assert.equal(await fs.read('../outside/evil.txt').catch(() => 'refused'), 'refused');
  });

  it('a failed hunk in the second file does not write the first', async () => {
    await writeFile(join(root, 'one.txt'), 'one\n');
    await writeFile(join(root, 'two.txt'), 'two\n');
    await assert.rejects(
      applyPatch(envelope(['*** Update File: one.txt', '-one', '+ONE', '*** Update File: two.txt', '-three', '+THREE']), fs),
      (error: unknown) => PatchError.is(error) && error.code === 'context_not_found' && error.path === 'two.txt' && /1 \| two/.test(error.message),
    );
    assert.equal(await readFile(join(root, 'one.txt'), 'utf8'), 'one\n');
  });

  it('moves and deletes on disk, and undo restores them', async () => {
    await writeFile(join(root, 'mv.txt'), 'mv\n');
    await writeFile(join(root, 'del.txt'), 'no final newline');
    const { snapshot } = await applyPatch(
      envelope(['*** Update File: mv.txt', '*** Move to: moved/mv.txt', '-mv', '+moved', '*** Delete File: del.txt']),
      fs,
    );
    assert.equal(await fs.read('mv.txt'), undefined);
    assert.equal(await fs.read('del.txt'), undefined);
    assert.equal(await fs.read('moved/mv.txt'), 'moved\n');
    await undoPatch(snapshot, fs);
    assert.equal(await fs.read('mv.txt'), 'mv\n');
    assert.equal(await fs.read('del.txt'), 'no final newline');
    assert.equal(await fs.read('moved/mv.txt'), undefined);
  });
});
