// `spark exec` with nothing running: it starts the embedded engine in-process on the model and
// runs the agent in a scratch git repo, as a first-time user would.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const CLI = new URL('./main.js', import.meta.url).pathname;

describe('spark exec on the embedded engine (SmolLM2)', () => {
  it('starts the engine in-process, streams JSONL and ends the turn with a documented exit status', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'spark-exec-model-'));
    await writeFile(join(repo, 'calc.py'), 'def add(a, b):\n    return a + b\n');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    // SPARK_PORT=1: no server can be running there, so the engine starts in this process.
    const env = { ...process.env, SPARK_DATA_DIR: await mkdtemp(join(tmpdir(), 'spark-data-')), SPARK_PORT: '1' };
    const run = spawnSync(process.execPath, [CLI, 'exec', '--json', '--model', 'smollm2-135m', '--offline', '--ctx', '4096', '--max-steps', '3', 'What does calc.py do?'], {
      cwd: repo, env, encoding: 'utf8', timeout: 300_000,
    });
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    assert.equal(events[0]?.type, 'session.started', run.stderr);
    assert.equal(events[0]?.['server'], 'in-process');
    assert.equal(events[0]?.['transport'], 'websocket');
    assert.equal(events[0]?.['context_window'], 4096);
    const done = events.at(-1);
    assert.equal(done?.type, 'turn.completed');
    const expected: Record<string, number> = { completed: 0, failed: 1, max_steps: 3 };
    assert.equal(run.status, expected[String(done?.['status'])], `status ${String(done?.['status'])}: ${run.stderr}`);
    assert.ok(events.some((event) => event.type === 'text.delta' || event.type === 'tool_input.delta'), 'the model streamed');
    const stats = events.filter((event) => event.type === 'response.completed').map((event) => event['stats'] as { input_tokens: number; input_items_sent: number });
    assert.ok(stats.length >= 1 && (stats[0]?.input_tokens ?? 0) > 500, 'the system prompt and tools reached the model');
  });
});
