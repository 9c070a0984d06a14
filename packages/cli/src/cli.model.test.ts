// The `spark` binary itself, as a user runs it: models list/pull/rm and serve's start and stop.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveModel } from '@spark/engine-llama';
import { startSparkServe } from './testing/codex-harness.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

describe('the spark CLI', () => {
  let cache: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    // A private cache holding a copy of the test model, so `rm` never touches the real one.
    const local = await resolveModel('smollm2-135m', { pull: true });
    cache = mkdtempSync(join(tmpdir(), 'spark-cli-'));
    mkdirSync(join(cache, 'models', 'smollm2-135m'), { recursive: true });
    copyFileSync(local.path, join(cache, 'models', 'smollm2-135m', 'SmolLM2-135M-Instruct.Q4_1.gguf'));
    env = { ...process.env, SPARK_CACHE_DIR: cache };
  });

  after(() => rmSync(cache, { recursive: true, force: true }));

  const spark = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('lists the catalog with what is cached', () => {
    const { status, stdout } = spark('models', 'list');
    assert.equal(status, 0);
    assert.match(stdout, /^smollm2-135m\tyes\t/m);
    assert.match(stdout, /^qwen2\.5-coder-1\.5b \(default\)\tno\t/m);
  });

  it('pulls a cached model without downloading, then removes it', () => {
    const pulled = spark('models', 'pull', 'smollm2-135m');
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.match(pulled.stdout, /^smollm2-135m\t.*SmolLM2-135M-Instruct\.Q4_1\.gguf\t/m);
    const removed = spark('models', 'rm', 'smollm2-135m');
    assert.equal(removed.status, 0);
    assert.match(removed.stdout, /removed smollm2-135m/);
    assert.match(spark('models', 'list').stdout, /^smollm2-135m\tno\t/m);
  });

  it('names what to do for a missing model file and for bad usage', () => {
    const missing = spark('serve', '--model', join(cache, 'nope.gguf'), '--port', '0');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nope\.gguf/);
    const usage = spark('models', 'frobnicate');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /spark models pull/);
    const contradiction = spark('serve', '--exact-speculation', '--fast-speculation', '--port', '0');
    assert.notEqual(contradiction.status, 0);
    assert.match(contradiction.stderr, /--exact-speculation and --fast-speculation contradict/);
  });

  it('serves a local .gguf path and shuts down cleanly on SIGTERM', async () => {
    const local = await resolveModel('smollm2-135m', { pull: true });
    const server = await startSparkServe(['--model', local.path, '--db', ':memory:'], 120_000, { env });
    const { url } = server;
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    assert.equal(models.data.length, 1);
    assert.equal(await server.stop(), 0);
  });
});
