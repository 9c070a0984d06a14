import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { startSparkServe, type SparkServeProcess } from './testing/codex-harness.js';

const UPSTREAM_KEY = 'sk-upstream-0123456789abcdef';
const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/** Runs `spark serve` expecting it to refuse to start; its exit code and stderr. */
async function refusedServe(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

void describe('spark serve in front of upstream providers (no local model)', () => {
  let upstream: TestServer;
  let configDir: string;
  let env: NodeJS.ProcessEnv;
  const served: SparkServeProcess[] = [];
  before(async () => {
    // A second Spark as the upstream: it speaks Responses and Chat Completions and wants its own key.
    upstream = await startTestServer({ apiKeys: [UPSTREAM_KEY] });
    configDir = await mkdtemp(join(tmpdir(), 'spark-upstream-config-'));
    env = { ...process.env, UP_KEY: UPSTREAM_KEY, SPARK_CONFIG: join(configDir, 'none.json') };
    delete env['SPARK_MODEL'];
    delete env['OPENAI_API_KEY'];
  });
  after(async () => {
    for (const server of served) await server.stop();
    await upstream.server.close();
  });

  void it('serves a Responses upstream as <name>/<model> over Responses and Chat Completions, with the key from a named variable', async () => {
    const spark = await startSparkServe(['--upstream', `up=${upstream.url}/v1`, '--upstream-key', 'up=env:UP_KEY'], 30_000, { env });
    served.push(spark);
    assert.match(spark.log(), /upstream up: Responses at http:\/\/127\.0\.0\.1:\d+\/v1, 1 model\(s\): up\/scripted/);
    assert.ok(!spark.log().includes(UPSTREAM_KEY), 'the key is never logged');
    const client = new OpenAI({ baseURL: `${spark.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const models = await client.models.list();
    assert.deepEqual(models.data.map((model) => model.id), [`up/${TEST_MODEL}`]);
    const response = await client.responses.create({ model: `up/${TEST_MODEL}`, input: 'hello upstream' });
    assert.equal(response.output_text, 'You said: hello upstream');
    const chat = await client.chat.completions.create({ model: `up/${TEST_MODEL}`, messages: [{ role: 'user', content: 'and chat' }] });
    assert.equal(chat.choices[0]?.message.content, 'You said: and chat');
  });

  void it('serves a Chat Completions upstream declared in the config file', async () => {
    const config = join(configDir, 'config.json');
    await writeFile(config, JSON.stringify({ upstreams: { lab: { baseUrl: `${upstream.url}/v1`, api: 'chat', apiKeyEnv: 'UP_KEY' } } }));
    const spark = await startSparkServe([], 30_000, { env: { ...env, SPARK_CONFIG: config } });
    served.push(spark);
    assert.match(spark.log(), /upstream lab: Chat Completions at /);
    const client = new OpenAI({ baseURL: `${spark.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const response = await client.responses.create({ model: `lab/${TEST_MODEL}`, input: 'through chat' });
    assert.equal(response.output_text, 'You said: through chat');
  });

  void it('runs spark exec on an upstream model named <provider>/<model>', async () => {
    const config = join(configDir, 'exec-config.json');
    await writeFile(config, JSON.stringify({ upstreams: { up: { baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'UP_KEY' } } }));
    const workspace = await mkdtemp(join(tmpdir(), 'spark-upstream-exec-'));
    // SPARK_PORT points at a closed port, so exec does not find a running spark serve and serves the upstream itself.
    const child = spawn(process.execPath, [MAIN, 'exec', '--json', '--model', `up/${TEST_MODEL}`, 'hi from exec'], {
      cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, SPARK_CONFIG: config, SPARK_PORT: '9' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, stderr);
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; model?: string; final_message?: string });
    assert.equal(events[0]?.model, `up/${TEST_MODEL}`);
    assert.match(events.at(-1)?.final_message ?? '', /^You said: hi from exec/);
  });

  void it('refuses to start, saying what to set, when a provider cannot be used', async () => {
    const missing = await refusedServe(['--upstream', 'openai'], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /OPENAI_API_KEY/);
    const literal = await refusedServe(['--upstream', `up=${upstream.url}/v1`, '--upstream-key', `up=${UPSTREAM_KEY}`], env);
    assert.notEqual(literal.code, 0);
    assert.match(literal.stderr, /env:<VARIABLE>/);
    assert.ok(!literal.stderr.includes(UPSTREAM_KEY), 'a key given on the command line is not echoed');
    const wrongKey = await refusedServe(['--upstream', `up=${upstream.url}/v1`, '--upstream-key', 'up=env:WRONG'], { ...env, WRONG: 'sk-wrong' });
    assert.notEqual(wrongKey.code, 0);
    assert.match(wrongKey.stderr, /answered 401 to GET \/models \(check WRONG\)/);
  });
});
