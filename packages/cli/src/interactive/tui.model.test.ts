// First run as a user sees it: `spark` in a directory, nothing running, the embedded engine on
// a real GGUF (SmolLM2), a question, the answer streaming into the terminal.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TmuxSession } from '../testing/tmux.js';

const CLI = new URL('../main.js', import.meta.url).pathname;

describe('spark TUI on the embedded engine (SmolLM2)', () => {
  let tmux: TmuxSession | undefined;
  after(async () => { await tmux?.kill(); });

  it('starts the engine, shows a prompt, and streams an answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spark-tui-model-'));
    const started = Date.now();
    tmux = await TmuxSession.start([process.execPath, CLI, '--model', 'smollm2-135m', '--offline', '--ctx', '4096'], {
      cwd: dir, env: { SPARK_DATA_DIR: join(dir, 'data'), SPARK_CONFIG: join(dir, 'none.json'), SPARK_PORT: '1' }, columns: 100, rows: 30,
    });
    const ready = await tmux.waitFor(/ready/, 120_000);
    const seconds = (Date.now() - started) / 1000;
    assert.match(ready, /smollm2-135m/);
    assert.match(ready, /llama\.cpp \(in-process\)/);
    await tmux.type('Say hello in one short sentence.');
    await tmux.keys('Enter');
    // A first token after a second shows as "TTFT 1.8 s" (slower CPUs, busy machines): either unit.
    const answered = await tmux.waitFor((screen) => /TTFT [\d.]+ m?s\b/.test(screen) && /· ready/.test(screen), 180_000);
    const lines = answered.split('\n');
    const asked = lines.findIndex((line) => line.includes('› Say hello'));
    assert.ok(asked >= 0 && lines.slice(asked + 1).some((line) => /\w/.test(line) && !line.includes('·')), 'answer text was drawn under the question');
    process.stdout.write(`prompt ready after ${seconds.toFixed(1)} s\n`);
  });
});
