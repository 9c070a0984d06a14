// The real `spark` TUI under tmux, driven by keys and read from the screen, against a real server
// (scripted engine so every flow is exact).
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startScriptedTui, type ScriptedTui } from '../testing/scripted-tui.js';
import type { TmuxSession } from '../testing/tmux.js';

const BG_PATCH = '*** Begin Patch\n*** Add File: bg.txt\n+from the background\n*** End Patch\n';
const PATCH = '*** Begin Patch\n*** Update File: notes.txt\n@@\n-draft\n+final\n*** End Patch\n';

function script(request: GenerateRequest): readonly ScriptStep[] {
  // A harness note (a background patch applied) rides along as a user item: not the user's text.
  const lastUser = [...request.conversation].reverse().find((item) => item.type === 'user' && !item.text.startsWith('[harness]'));
  const text = lastUser?.type === 'user' ? lastUser.text : '';
  const afterTool = request.conversation.at(-1)?.type === 'tool_result';
  if (text === 'hello') return [{ type: 'text', text: 'Hello there!\nSecond line with **bold** text.' }];
  const slow = /^slow (\d+)$/.exec(text);
  if (slow) {
    const steps: ScriptStep[] = [];
    for (let index = 1; index <= Number(slow[1]); index += 1) steps.push({ type: 'delay', ms: 20 }, { type: 'text', text: ` w${index}` });
    return steps;
  }
  if (text === 'run touch') return afterTool ? [{ type: 'text', text: 'Touched.' }] : [{ type: 'tool_call', name: 'shell', arguments: '{"command":"touch approved.txt","timeout_ms":0}' }];
  if (text === 'patch it') return afterTool ? [{ type: 'text', text: 'Patched.' }] : [{ type: 'tool_call', name: 'apply_patch', arguments: PATCH, kind: 'custom' }];
  // Background agents (`/bg`): 'BG slow' streams until stopped; 'BG write' adds bg.txt in its copy and says so.
  // A background agent forked from this conversation gets its task with a note after it.
  if (text.startsWith('BG slow')) return Array.from({ length: 3000 }, (_, index): ScriptStep[] => [{ type: 'delay', ms: 20 }, { type: 'text', text: ` w${index}${index % 8 === 7 ? '\n' : ''}` }]).flat();
  if (text.startsWith('BG write')) {
    return afterTool ? [{ type: 'text', text: 'Added bg.txt.' }] : [{ type: 'tool_call', name: 'apply_patch', arguments: BG_PATCH, kind: 'custom' }];
  }
  return [{ type: 'text', text: `Echo: ${text}` }];
}

void describe('spark TUI under tmux', () => {
  let tui: ScriptedTui;
  let tmux: TmuxSession;
  let workspace: string;

  before(async () => {
    tui = await startScriptedTui({ script, files: { 'notes.txt': 'draft\n' }, approval: 'ask', rows: 30, name: 'tui' });
    ({ tmux, workspace } = tui);
  });
  after(async () => {
    await tui.close();
  });

  const ask = (text: string): Promise<void> => tui.ask(text);

  void it('starts with a banner and a status line, answers with rendered markdown', async () => {
    const start = await tmux.capture();
    assert.match(start, /spark · scripted/);
    assert.match(start, /scripted · .*websocket/);
    assert.match(start, /approval: ask · sandbox: none \(approval ask: commands that may write ask first\)/, 'the banner says which confinement holds');
    await ask('hello');
    const screen = await tmux.waitFor(/Second line with bold text\./);
    assert.match(screen, /› hello/);
    assert.match(screen, /Hello there!/);
    assert.doesNotMatch(screen, /\*\*bold\*\*/, 'markdown is rendered, not shown raw');
  });

  void it('shows text while it streams, and Esc stops it at once with the partial answer kept', async () => {
    await ask('slow 300');
    const early = await tmux.waitFor(/w5\b/);
    assert.doesNotMatch(early, /w300\b/);
    assert.match(early, /working/);
    const later = await tmux.waitFor(/w15\b/);
    assert.ok(later.length >= early.length, 'more text appeared while streaming');
    await tmux.keys('Escape');
    const stopped = await tmux.waitFor(/interrupted/);
    assert.doesNotMatch(stopped, /w300\b/);
    assert.match(stopped, /w15\b/, 'the partial answer stays on screen');
    await tmux.waitFor(/ready/);
  });

  void it('Enter while streaming steers the answer mid-stream', async () => {
    await ask('slow 300');
    await tmux.waitFor(/w5\b/);
    await ask('be brief');
    const screen = await tmux.waitFor(/Echo: be brief/);
    assert.match(screen, /steer/);
    assert.doesNotMatch(screen, /w300\b/);
    await tmux.waitFor(/ready/);
  });

  void it('Tab queues messages, Up edits a queued one, and they run after the turn', async () => {
    await ask('slow 150');
    await tmux.waitFor(/w3\b/);
    await tmux.type('first');
    await tmux.keys('Tab');
    await tmux.type('second');
    await tmux.keys('Tab');
    await tmux.waitFor(/queued 2 +second/);
    await tmux.keys('Up');
    await tmux.waitFor(/editing/);
    await tmux.keys('C-u');
    await tmux.type('second, edited');
    await tmux.keys('Enter');
    await tmux.waitFor(/queued 2 +second, edited/);
    const screen = await tmux.waitFor(/Echo: second, edited/, 30_000);
    assert.ok(screen.indexOf('Echo: first') < screen.indexOf('Echo: second, edited'), 'queued messages run in order');
    await tmux.waitFor(/ready/);
  });

  void it('asks before running a command and runs it once approved', async () => {
    await ask('run touch');
    await tmux.waitFor(/Allow the agent to run touch approved\.txt\?/);
    await assert.rejects(stat(join(workspace, 'approved.txt')), 'nothing runs before approval');
    await tmux.type('y');
    await tmux.waitFor(/Touched\./);
    await stat(join(workspace, 'approved.txt'));
  });

  void it('slash commands: /help, /model, /diff, /compact, /fork, /new, /resume, /init', async () => {
    await ask('/help');
    await tmux.waitFor(/Tab +while the agent works: queue/);
    await ask('/model');
    await tmux.waitFor(/● scripted \(100000 tokens\)/);
    await ask('/diff');
    await tmux.waitFor(/no changes in this session|git diff is empty/);
    await ask('/compact');
    await tmux.waitFor(/compacted: ~\d+ → ~\d+ tokens|nothing to compact/);
    await ask('/fork 1');
    await tmux.waitFor(/forked \d{8}-\d{6}-[0-9a-f]{6} at turn 1 into \d{8}-/);
    await ask('/new');
    await tmux.waitFor(/new session \d{8}-/);
    await ask('/resume');
    await tmux.waitFor((screen) => (screen.match(/^\d{8}-\d{6}-[0-9a-f]{6} /gm) ?? []).length >= 2);
    await ask('/init');
    await tmux.waitFor(/Echo: Create an AGENTS\.md file/);
    await tmux.waitFor(/ready/);
  });

  void it('background agents: /bg starts one with a live line, /agents open watches it, stop ends it; a finished one is applied', async () => {
    await ask('/bg BG slow');
    const started = await tmux.waitFor(/background (bg[0-9a-f]+) started on scripted/);
    const slow = /background (bg[0-9a-f]+) started/.exec(started)?.[1] ?? '';
    // Its live line above the input: id, state, model, steps, tokens, elapsed, task.
    await tmux.waitFor(new RegExp(`◆ ${slow} running · scripted · 0 steps · 0 tok · \\d+s +BG slow`));
    await ask(`/agents open ${slow}`);
    await tmux.waitFor(new RegExp(`watching ${slow}`));
    await tmux.waitFor(new RegExp(`\\[${slow}\\] .*w2[0-9]\\b`));
    await tmux.keys('Escape');
    await tmux.waitFor(new RegExp(`stopped watching ${slow}`));
    await ask('/agents');
    await tmux.waitFor(new RegExp(`^${slow}  running · scripted`, 'm'));
    await ask(`/agents stop ${slow}`);
    await tmux.waitFor(new RegExp(`background ${slow} stopped: Stopped by the user`));
    await tmux.waitFor((screen) => !screen.includes(`◆ ${slow} running`));

    await ask('/bg BG write');
    const done = await tmux.waitFor(/background (bg[0-9a-f]+) finished: Added bg\.txt\. {2}changed bg\.txt/);
    const write = /background (bg[0-9a-f]+) finished/.exec(done)?.[1] ?? '';
    await assert.rejects(stat(join(workspace, 'bg.txt')), 'its edit stays in its own copy until applied');
    await ask('/agents');
    await tmux.waitFor(new RegExp(`^${write}  finished · scripted · 2 steps`, 'm'));
    await ask(`/agents apply ${write}`);
    await tmux.waitFor(/Allow the agent to apply a patch to bg\.txt\?/);
    await tmux.type('y');
    await tmux.waitFor(new RegExp(`applied ${write}`));
    assert.equal(await readFile(join(workspace, 'bg.txt'), 'utf8'), 'from the background\n');
    await tmux.waitFor(/ready/);
  });

  void it('shows a patch as a diff and /undo restores the file', async () => {
    await ask('patch it');
    await tmux.waitFor(/Allow the agent to apply a patch to notes\.txt\?/);
    await tmux.type('y');
    const screen = await tmux.waitFor(/Patched\./);
    assert.match(screen, /-draft/);
    assert.match(screen, /\+final/);
    assert.equal(await readFile(join(workspace, 'notes.txt'), 'utf8'), 'final\n');
    await ask('/undo');
    await tmux.waitFor(/restored notes\.txt/);
    assert.equal(await readFile(join(workspace, 'notes.txt'), 'utf8'), 'draft\n');
    await ask('/status');
    // Anchored: `/new` printed "new session <id>" earlier on the same screen.
    const status = await tmux.waitFor(/^session +\d{8}-\d{6}-[0-9a-f]{6}/m);
    assert.match(status, /sandbox +none \(approval ask/);
    await ask('/quit');
    for (let tries = 0; tries < 200 && !(await tmux.dead()); tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(await tmux.dead(), '/quit exits');
  });
});
