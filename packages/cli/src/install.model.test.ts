// Spark as a user installs it: `npm run pack`'s tarball installed globally into a temporary
// prefix (dependencies from the registry, through the user's npm cache), then `spark --version`,
// `spark serve` and `spark exec --json` run from that install on SmolLM2, offline.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSparkServe } from './testing/codex-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODEL = 'smollm2-135m';
/** The server's window: small, so the long prompt below is refused after it is tokenized, not prefilled. */
const SERVE_CONTEXT = 2048;
/** Longer than the engine tokenizes inline (4096 characters), and more tokens than SERVE_CONTEXT. */
const LONG_INPUT_CHARS = 6000;

type Event = { type: string; [key: string]: unknown };
type ResponseBody = {
  status?: string;
  output?: Array<{ type: string; content?: Array<{ text?: string }> }>;
  usage?: { input_tokens: number; output_tokens: number };
  error?: { code?: string; message?: string };
};

describe('the packed spark, installed globally', () => {
  let scratch: string;
  let spark: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'spark-install-'));
    const packed = run(process.execPath, [join(ROOT, 'scripts', 'pack.mjs'), '--out', scratch], { cwd: ROOT });
    const tarball = packed.stdout.trim().split('\n').at(-1) ?? '';
    assert.match(tarball, /spark-[\w.-]+\.tgz$/);
    // npm's own prefix settings (set when this runs under `npm test`) must not redirect the install.
    const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_(local_|global_)?prefix$/i.test(key)));
    const prefix = join(scratch, 'prefix');
    // --prefer-offline: what the npm cache holds (node-llama-cpp after `npm ci`) is not fetched again.
    run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: scratch, env: npmEnv, timeout: 600_000 });
    spark = join(prefix, 'bin', 'spark');
    // The installed bin runs on `#!/usr/bin/env node`: make that this node.
    env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`, SPARK_DATA_DIR: join(scratch, 'data'), SPARK_PORT: '1' };
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string };
    assert.equal(run(spark, ['--version'], { env }).stdout, `${version}\n`);
  });

  it('serves SmolLM2: health, the tokenizer worker, and one response', async (t) => {
    const server = await startSparkServe(['--model', MODEL, '--offline', '--ctx', String(SERVE_CONTEXT), '--sequences', '1', '--db', ':memory:'], 120_000, { command: [spark], env });
    const { url } = server;
    let stopped: number | null | undefined;
    try {
      const log = server.log();
      t.diagnostic(`installed spark serve: ${/^engine: .*$/m.exec(log)?.[0] ?? 'no engine line'}`);
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });

      // A prompt longer than the engine tokenizes inline goes to the worker (the bundle's second
      // entry), which counts it exactly; a count past the window proves it ran, without a prefill.
      let long = '';
      for (let line = 1; long.length < LONG_INPUT_CHARS; line++) long += `Line ${line}: a short note.\n`;
      const refused = await createResponse(url, long);
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error?.code, 'context_length_exceeded');
      const counted = Number(/(\d+) tokens/.exec(refused.body.error?.message ?? '')?.[1]);
      assert.ok(counted > SERVE_CONTEXT, `the worker counted the tokens: ${refused.body.error?.message ?? ''}`);

      const answer = await createResponse(url, 'Say hi.');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.ok(['completed', 'incomplete'].includes(answer.body.status ?? ''), JSON.stringify(answer.body));
      assert.ok((answer.body.usage?.output_tokens ?? 0) > 0);
      const text = answer.body.output?.find((item) => item.type === 'message')?.content?.[0]?.text ?? '';
      assert.ok(text.length > 0, 'the model answered');
    } finally {
      stopped = await server.stop();
    }
    assert.equal(stopped, 0);
  });

  it('runs the agent headless (exec --json) on the in-process engine', () => {
    const repo = join(scratch, 'repo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'calc.py'), 'def add(a, b):\n    return a + b\n');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    // SPARK_PORT=1 (in env): no server runs there, so exec starts the installed engine in-process.
    const result = spawnSync(spark, ['exec', '--json', '--model', MODEL, '--offline', '--ctx', '4096', '--max-steps', '1', 'What does calc.py do? One sentence.'], {
      cwd: repo, env, encoding: 'utf8', timeout: 300_000,
    });
    const events = result.stdout.trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Event);
    assert.equal(events[0]?.type, 'session.started', result.stderr);
    assert.equal(events[0]?.['server'], 'in-process');
    const done = events.at(-1);
    assert.equal(done?.type, 'turn.completed', result.stderr);
    // Answered (0), or asked for a tool at the one step allowed (3); a failed turn fails the test.
    const expected: Record<string, number> = { completed: 0, max_steps: 3 };
    assert.equal(result.status, expected[String(done?.['status'])], `status ${String(done?.['status'])}: ${result.stderr}`);
    assert.ok(events.some((event) => event.type === 'response.completed'), 'the model answered');
  });
});

/** One non-streamed, unstored, greedy response of at most 8 tokens. */
async function createResponse(url: string, input: string): Promise<{ status: number; body: ResponseBody }> {
  const answer = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, input, max_output_tokens: 8, temperature: 0, store: false }),
  });
  return { status: answer.status, body: (await answer.json()) as ResponseBody };
}

/** Runs a command to completion; a non-zero exit fails with its output. */
function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number }): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000, ...options });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result;
}
