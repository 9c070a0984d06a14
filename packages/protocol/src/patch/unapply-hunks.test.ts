import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from './apply-patch.js';
import { MemoryPatchFileSystem } from './memory-patch-file-system.js';
import { parsePatch, type UpdateFileOperation } from './parse-patch.js';
import { unapplyHunks } from './unapply-hunks.js';

const BEFORE = 'a\nb\nc\nd\ne\n';
const PATCH = ['*** Begin Patch', '*** Update File: f.txt', '@@', ' a', '-b', '+B', '@@', ' d', '-e', '+E', '+F', '*** End of File', '*** End Patch'].join('\n');

void describe('unapplyHunks', () => {
  void it('rebuilds the text before an applied update', async () => {
    const fs = new MemoryPatchFileSystem({ 'f.txt': BEFORE });
    await applyPatch(PATCH, fs);
    const after = fs.files.get('f.txt') ?? '';
    assert.notEqual(after, BEFORE);
    const [op] = parsePatch(PATCH) as [UpdateFileOperation];
    assert.equal(unapplyHunks(after, op.hunks), BEFORE);
  });

  void it('is undefined when the file no longer holds the new lines', () => {
    const [op] = parsePatch(PATCH) as [UpdateFileOperation];
    assert.equal(unapplyHunks('something else\n', op.hunks), undefined);
  });
});
