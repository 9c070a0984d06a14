// `/model` between the embedded engine (SmolLM2) and an upstream (a scripted Spark declared in
// the config file), both ways, on one session: the history crosses, the window follows the model.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConversationItem, GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { TmuxSession } from '../testing/tmux.js';

const CLI = new URL('../main.js', import.meta.url).pathname;

void describe('spark TUI: /model between the embedded engine and an upstream', () => {
  const seen: ConversationItem[][] = [];
  let up: TestServer;
  let tmux: TmuxSession | undefined;

  before(async () => {
    const script = (request: GenerateRequest): readonly ScriptStep[] => {
      seen.push([...request.conversation]);
      return [{ type: 'text', text: 'UPSTREAM ANSWER' }];
    };
    up = await startTestServer({ engineOptions: { script, contextSize: 100_000 } });
  });
  after(async () => {
    await tmux?.kill();
    await up.server.close();
  });

  void it('lists the local model first, switches to the upstream with the local turn, and back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spark-tui-switch-'));
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ upstreams: { up: { baseUrl: `${up.url}/v1` } } }));
    tmux = await TmuxSession.start([process.execPath, CLI, '--model', 'smollm2-135m', '--offline', '--ctx', '4096'], {
      cwd: dir, env: { SPARK_DATA_DIR: join(dir, 'data'), SPARK_CONFIG: config, SPARK_PORT: '1' }, columns: 120, rows: 40,
    });
    await tmux.waitFor(/ready/, 120_000);
    await tmux.type('Say hello.');
    await tmux.keys('Enter');
    // The turn's end: its TTFT, or SmolLM2 looping on this prompt now and then and the loop guard
    // stopping it (the partial answer is kept, which is all the switch below needs).
    await tmux.waitFor((screen) => (/TTFT [\d.]+ m?s\b/.test(screen) || /■ stopped/.test(screen)) && /· ready/.test(screen), 180_000);
    await tmux.type('/model');
    await tmux.keys('Enter');
    const listed = await tmux.waitFor(/● smollm2-135m \(4096 tokens\)\s*up\/scripted \(100000 tokens\)/);
    assert.ok(listed.indexOf('smollm2-135m (4096') < listed.indexOf('up/scripted'), 'local first');

    await tmux.type(`/model up/${TEST_MODEL}`);
    await tmux.keys('Enter');
    await tmux.waitFor(/model: up\/scripted · up · Responses at/);
    await tmux.type('And now?');
    await tmux.keys('Enter');
    await tmux.waitFor(/UPSTREAM ANSWER/);
    const turns = (seen.at(-1) ?? []).flatMap((item) => (item.type === 'user' ? [item.text] : []));
    assert.deepEqual(turns, ['Say hello.', 'And now?'], 'the upstream gets the turn the local model answered');
    assert.ok((seen.at(-1) ?? []).some((item) => item.type === 'assistant'), "with the local model's answer");
    await tmux.waitFor(/ctx [\d.k]+\/100k/);

    await tmux.type('/model smollm2-135m');
    await tmux.keys('Enter');
    await tmux.waitFor(/model: smollm2-135m · llama\.cpp \(in-process\)/);
    await tmux.waitFor(/ctx [\d.k]+\/4(\.1)?k/);
    await tmux.type('Thanks.');
    await tmux.keys('Enter');
    await tmux.waitFor((screen) => /› Thanks\./.test(screen) && /smollm2-135m · llama\.cpp \(in-process\) · \w+ · ready/.test(screen), 180_000);
    assert.equal(seen.length, 1, 'the local model answered the last turn');
  });
});
