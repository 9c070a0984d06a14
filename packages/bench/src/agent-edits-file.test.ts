import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, MemoryPatchFileSystem } from '@spark/agent';
import { AGENT_EDITS_FILE_LINES, agentEditsFile, renamed, rewritePatch } from './agent-edits-file.js';
import { completeHunks } from './patch-stream-probe.js';

void describe('agent-edits bench file and patch', () => {
  void it('the file has exactly the promised number of lines', () => {
    const file = agentEditsFile();
    assert.equal(file.endsWith('\n'), true);
    assert.equal(file.split('\n').length - 1, AGENT_EDITS_FILE_LINES);
  });

  void it('the rename patch applies to the file and gives the renamed file', async () => {
    const file = agentEditsFile();
    const after = renamed(file, { from: 'refunded', to: 'refundTotal', firstLine: 1, lastLine: 110 });
    assert.notEqual(after, file);
    assert.equal(after.includes('reversed'), true, 'the sibling function is left alone');
    const patch = rewritePatch('src/orders.ts', file, after);
    assert.ok(completeHunks(patch) >= 3, 'several hunks, so the first is verified before the call ends');
    const fs = new MemoryPatchFileSystem({ 'src/orders.ts': file });
    await applyPatch(patch, fs);
    assert.equal(await fs.read('src/orders.ts'), after);
  });

  void it('refuses changes that move lines', () => {
    assert.throws(() => rewritePatch('a', 'a\nb\n', 'a\n'));
  });
});
