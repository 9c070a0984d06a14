// `spark exec` with nothing running: it starts the embedded engine in-process on the model and
// runs the agent in a scratch git repo, as a first-time user would.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer } from '@spark/server';

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
    const expected: Record<string, number> = { completed: 0, failed: 1, max_steps: 3, repetition: 4 };
    assert.equal(run.status, expected[String(done?.['status'])], `status ${String(done?.['status'])}: ${run.stderr}`);
    assert.ok(events.some((event) => event.type === 'text.delta' || event.type === 'tool_input.delta'), 'the model streamed');
    const stats = events.filter((event) => event.type === 'response.completed').map((event) => event['stats'] as { input_tokens: number; input_items_sent: number });
    // A response the loop guard stopped (this model often loops on this prompt) ends without usage: check the ones that finished.
    const stopped = events.some((event) => event.type === 'warning' && event['code'] === 'repetition');
    assert.ok(stats.length >= 1 || stopped, 'a response finished, or the loop guard stopped it');
    for (const stat of stats) assert.ok(stat.input_tokens > 500, 'the system prompt and tools reached the model');
  });
});

describe('the loop guard on SmolLM2 (the prompts a user saw loop)', () => {
  it('ends each turn well before the token limit and reports how many tokens it took', async (t) => {
    const local = await resolveModel('smollm2-135m', { pull: true });
    const engine = await LlamaEngine.create({ models: [{ id: 'smollm2-135m', path: local.path }], contextSize: 8192, sequences: 2 });
    const server = await startServer({ engine, port: 0, dbPath: ':memory:' });
    try {
      const repo = await mkdtemp(join(tmpdir(), 'spark-loop-model-'));
      await writeFile(join(repo, 'math.js'), 'export function add(a, b) {\n  return a + b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n');
      await writeFile(join(repo, 'calc.py'), 'def add(a, b):\n    return a - b\n');
      execFileSync('git', ['init', '-q'], { cwd: repo });
      const env = { ...process.env, SPARK_DATA_DIR: await mkdtemp(join(tmpdir(), 'spark-data-')) };
      for (const prompt of ['Read math.js and tell me what it exports', 'Fix the bug in calc.py: add should add.']) {
        const run = await execJson(['exec', '--json', '--ephemeral', '--server', `${server.url}/v1`, '--max-steps', '6', prompt], repo, env);
        const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
        const done = events.at(-1);
        assert.equal(done?.type, 'turn.completed', run.stderr);
        // One streamed delta per token (a response the guard stopped has no completion stats).
        const output = events.filter((event) => event.type === 'text.delta' || event.type === 'tool_input.delta').length;
        const stopped = events.filter((event) => event.type === 'warning' && event['code'] === 'repetition').length;
        const text = events.filter((event) => event.type === 'message').map((event) => String(event['text'])).join(' ').slice(0, 120);
        t.diagnostic(`"${prompt}": ${String(done?.['status'])} after ${output} streamed tokens in ${String(done?.['steps'])} steps${stopped > 0 ? ' (the loop guard stopped it)' : ''}: ${JSON.stringify(text)}`);
        // Without the guard this model answered with one paragraph repeated for 6,543 tokens.
        assert.ok(output < 2000, `${output} output tokens`);
      }
    } finally {
      await server.close();
      await engine.dispose();
    }
  });
});

function execJson(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('close', () => resolve({ stdout, stderr }));
  });
}
