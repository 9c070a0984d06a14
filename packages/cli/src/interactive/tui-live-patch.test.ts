// The real `spark` TUI under tmux while an apply_patch call streams (scripted engine): the patch
// is drawn as a diff line by line with a mark per checked hunk, before the call ends.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startScriptedTui, type ScriptedTui } from '../testing/scripted-tui.js';
import type { TmuxSession } from '../testing/tmux.js';

const FILE = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

/** A good patch, a line per delta; its second hunk is long, so the call streams for a while after the first is checked. */
const GOOD_CHUNKS = [
  '*** Begin Patch\n', '*** Update File: notes.txt\n', '@@\n', ' line 3\n', '-line 4\n', '+LINE FOUR\n',
  '@@\n', ' line 20\n', ...Array.from({ length: 40 }, (_, i) => `+inserted ${i}\n`), ' line 21\n', '*** End Patch\n',
];
/** A bad first hunk, then a long tail the stop must cut off. */
const BAD_CHUNKS = [
  '*** Begin Patch\n', '*** Update File: notes.txt\n', '@@\n', ' line 3\n', '-line four\n', '+LINE FOUR\n',
  '@@\n', ' line 20\n', ...Array.from({ length: 120 }, (_, i) => `+tail ${i}\n`), '*** End Patch\n',
];

function script(request: GenerateRequest): readonly ScriptStep[] {
  // A harness note (the file rewritten between the tests) rides along as a user item: not the user's text.
  const lastUser = [...request.conversation].reverse().find((item) => item.type === 'user' && !item.text.startsWith('[harness]'));
  const text = lastUser?.type === 'user' ? lastUser.text : '';
  const afterTool = request.conversation.at(-1)?.type === 'tool_result';
  if (text === 'stream good') {
    return afterTool ? [{ type: 'text', text: 'Patched.' }] : [{ type: 'tool_call', name: 'apply_patch', kind: 'custom', arguments: GOOD_CHUNKS.join(''), chunks: GOOD_CHUNKS, chunkDelayMs: 60 }];
  }
  if (text === 'stream bad') {
    return afterTool ? [{ type: 'text', text: 'Retrying now.' }] : [{ type: 'tool_call', name: 'apply_patch', kind: 'custom', arguments: BAD_CHUNKS.join(''), chunks: BAD_CHUNKS, chunkDelayMs: 60 }];
  }
  return [{ type: 'text', text: `Echo: ${text}` }];
}

void describe('spark TUI: a patch forming as it streams (tmux)', () => {
  let tui: ScriptedTui;
  let tmux: TmuxSession;
  let workspace: string;

  before(async () => {
    tui = await startScriptedTui({ script, files: { 'notes.txt': FILE }, approval: 'auto-in-workspace', rows: 40, name: 'tui-patch' });
    ({ tmux, workspace } = tui);
  });
  after(async () => {
    await tui.close();
  });

  const ask = (text: string): Promise<void> => tui.ask(text);

  void it('draws the patch as a diff while it streams, with a mark on each checked hunk, before the call ends', async () => {
    await ask('stream good');
    const forming = await tmux.waitFor(/✓ notes\.txt hunk 1 matches the file[\s\S]*\+inserted 2\b/);
    // The call is still streaming: nothing applied yet, and the rest of the patch not drawn.
    assert.equal(await readFile(join(workspace, 'notes.txt'), 'utf8'), FILE);
    assert.doesNotMatch(forming, /Patched\./);
    assert.doesNotMatch(forming, /inserted 39/);
    assert.match(forming, /\*\*\* Update File: notes\.txt[\s\S]*-line 4[\s\S]*\+LINE FOUR[\s\S]*✓ notes\.txt hunk 1/);
    const done = await tmux.waitFor(/Patched\./);
    assert.match(done, /✓ notes\.txt hunk 2 matches the file/);
    assert.equal((done.match(/\+LINE FOUR/g) ?? []).length, 1, 'the patch is drawn once, not again when the call ends');
    assert.match(await readFile(join(workspace, 'notes.txt'), 'utf8'), /^line 3\nLINE FOUR\n/m);
  });

  void it('reports a hunk that does not match before the call ends, and the model retries', async () => {
    await writeFile(join(workspace, 'notes.txt'), FILE);
    await ask('stream bad');
    const failed = await tmux.waitFor(/✗ notes\.txt hunk 1 does not match the file \(stopped: the model retries\)/);
    assert.match(failed, /line four/);
    const after = await tmux.waitFor(/Retrying now\./);
    assert.doesNotMatch(after, /\+tail 119/, 'the call was cut off before its end');
    assert.equal(await readFile(join(workspace, 'notes.txt'), 'utf8'), FILE);
  });
});
