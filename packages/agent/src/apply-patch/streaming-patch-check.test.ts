import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryPatchFileSystem } from '@spark/protocol';
import { StreamingPatchCheck, stoppedPatchOutput, type PatchHunkEvent } from './streaming-patch-check.js';

async function checkAll(patch: string, files: Record<string, string>): Promise<PatchHunkEvent[]> {
  const fs = new MemoryPatchFileSystem(files);
  const check = new StreamingPatchCheck('call_1', fs);
  const events: PatchHunkEvent[] = [];
  for (const delta of patch.match(/[\s\S]{1,5}/g) ?? []) events.push(...(await check.push(delta)));
  events.push(...(await check.end()));
  // Read only: the files are as they were.
  assert.deepEqual(fs.toObject(), Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))));
  return events;
}

void describe('StreamingPatchCheck', () => {
  void it('checks adds, deletes and hunks in order, a later section seeing the earlier ones staged', async () => {
    const patch = [
      '*** Begin Patch', '*** Add File: new.txt', '+one', '*** Update File: new.txt', '@@', '-one', '+two',
      '*** Delete File: old.txt', '*** Update File: a.txt', '*** Move to: b.txt', '@@', ' x', '-y', '+Y', '*** End Patch',
    ].join('\n');
    const events = await checkAll(patch, { 'old.txt': 'gone\n', 'a.txt': 'x\ny\n' });
    assert.deepEqual(events.map((e) => [e.path, e.hunk, e.ok]), [['new.txt', 0, true], ['new.txt', 1, true], ['old.txt', 0, true], ['a.txt', 1, true]]);
  });

  void it('stops at the first failure with the lines sought and the nearest file text', async () => {
    const patch = ['*** Begin Patch', '*** Update File: a.txt', '@@', ' alpha', '-betta', '+BETA', '@@', ' gamma', '-delta', '+DELTA', '*** End Patch'].join('\n');
    const events = await checkAll(patch, { 'a.txt': 'alpha\nbeta\ngamma\ndelta\n' });
    assert.equal(events.length, 1);
    const [failed] = events as [PatchHunkEvent];
    assert.deepEqual([failed.ok, failed.hunk, failed.code, failed.expected], [false, 1, 'context_not_found', ['alpha', 'betta']]);
    assert.match(failed.excerpt ?? '', /2 \| beta/);
    const output = stoppedPatchOutput(failed);
    assert.match(output, /nothing of the patch was written/);
    assert.match(output, / {2}betta/);
  });

  void it('reports an add over an existing file and an update of a missing one', async () => {
    assert.deepEqual((await checkAll('*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch\n', { 'a.txt': 'x\n' })).map((e) => e.code), ['file_exists']);
    assert.deepEqual((await checkAll('*** Begin Patch\n*** Update File: nope.txt\n@@\n-x\n+y\n*** End Patch\n', {})).map((e) => e.code), ['file_not_found']);
  });

  void it('checks nothing in a malformed patch (the final apply reports it)', async () => {
    assert.deepEqual(await checkAll('{"input": "*** Begin Patch"}', {}), []);
  });
});
