import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from './apply-patch.js';
import { MemoryPatchFileSystem } from './memory-patch-file-system.js';
import { undoPatch } from './undo-patch.js';

describe('undoPatch', () => {
  it('restores updated, deleted and moved files and removes added ones', async () => {
    const before = { 'a.txt': 'a\r\nb\r\n', 'd.txt': 'd', 'm/old.ts': 'old\n' };
    const fs = new MemoryPatchFileSystem(before);
    const patch = [
      '*** Begin Patch',
      '*** Add File: added.txt',
      '+new',
      '*** Update File: a.txt',
      '-b',
      '+B',
      '*** Delete File: d.txt',
      '*** Update File: m/old.ts',
      '*** Move to: m/new.ts',
      '-old',
      '+new',
      '*** End Patch',
    ].join('\n');
    const { snapshot } = await applyPatch(patch, fs);
    assert.deepEqual(fs.toObject(), { 'a.txt': 'a\r\nB\r\n', 'added.txt': 'new\n', 'm/new.ts': 'new\n' });
    const restored = await undoPatch(snapshot, fs);
    assert.deepEqual(fs.toObject(), before);
    assert.deepEqual(restored.sort(), ['a.txt', 'added.txt', 'd.txt', 'm/new.ts', 'm/old.ts']);
    assert.deepEqual(await undoPatch(snapshot, fs), [], 'a second undo changes nothing');
  });
});
