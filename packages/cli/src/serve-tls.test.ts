import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { selfSignedCert, startTestServer, TEST_MODEL, type SelfSignedCert, type TestServer } from '@spark/server/testing';
import { startSparkServe, type SparkServeProcess } from './testing/codex-harness.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const SDK_CLIENT = fileURLToPath(new URL('./testing/tls-sdk-client.js', import.meta.url));
const API_KEY = 'sk-tls-test';
const UPSTREAM_KEY = 'sk-upstream-0123456789abcdef';
const runFile = promisify(execFile);

interface SdkResult { ok: boolean; sseText?: string; sseCompleted?: boolean; wsFirst?: string; wsSecond?: string; chained?: boolean; error?: string; cause?: string | null }

/** The official SDK in a child process (HTTP+SSE, then two chained turns on one wss), with `env`. */
async function sdkInChild(baseUrl: string, apiKey: string, env: NodeJS.ProcessEnv): Promise<SdkResult> {
  const { stdout } = await runFile(process.execPath, [SDK_CLIENT, baseUrl, apiKey, `up/${TEST_MODEL}`], { env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as SdkResult;
}

/** One https request trusting `ca`; the status and body. */
function httpsRequest(url: string, ca: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', ca, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Runs `spark serve` expecting it to refuse to start; its exit code and stderr. */
async function refusedServe(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--no-app', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

void describe('spark serve --tls-cert/--tls-key: HTTPS and wss on one port', () => {
  let dir: string;
  let cert: SelfSignedCert;
  let other: SelfSignedCert;
  let upstream: TestServer;
  let spark: SparkServeProcess;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-tls-'));
    cert = await selfSignedCert(dir, 'server');
    other = await selfSignedCert(dir, 'other');
    // A scripted Spark as the upstream, so the served model needs no GGUF: the TLS path is spark serve's own.
    upstream = await startTestServer({ apiKeys: [UPSTREAM_KEY] });
    env = { ...process.env, UP_KEY: UPSTREAM_KEY, SPARK_CONFIG: join(dir, 'none.json') };
    delete env['SPARK_MODEL'];
    delete env['OPENAI_API_KEY'];
    delete env['NODE_EXTRA_CA_CERTS'];
    spark = await startSparkServe([
      '--no-app', '--upstream', `up=${upstream.url}/v1`, '--upstream-key', 'up=env:UP_KEY',
      '--tls-cert', cert.certPath, '--tls-key', cert.keyPath, '--api-key', API_KEY,
    ], 30_000, { env });
  });
  after(async () => {
    await spark.stop();
    await upstream.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  void it('prints an https URL and serves the official SDK over HTTP+SSE and over the WebSocket mode', async () => {
    assert.match(spark.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const result = await sdkInChild(`${spark.url}/v1`, API_KEY, { ...env, NODE_EXTRA_CA_CERTS: cert.certPath });
    assert.deepEqual(result, {
      ok: true, sseText: 'You said: over https', sseCompleted: true, wsFirst: 'You said: over wss', wsSecond: 'You said: and again', chained: true,
    });
  });

  void it('is real TLS: a client that does not trust the certificate is refused, and plain HTTP gets no answer', async () => {
    const result = await sdkInChild(`${spark.url}/v1`, API_KEY, env);
    assert.equal(result.ok, false);
    assert.match(String(result.cause), /SELF_SIGNED|self.signed|certificate/i);
    const plain = await fetch(`${spark.url.replace('https:', 'http:')}/healthz`).then((response) => response.status, (error: unknown) => error);
    assert.ok(plain instanceof Error || plain === 400, `plain HTTP must not be served (got ${String(plain)})`);
  });

  void it('keeps the API key and Origin checks over TLS (HTTP and wss)', async () => {
    const body = JSON.stringify({ model: `up/${TEST_MODEL}`, input: 'x' });
    const json = { 'content-type': 'application/json' };
    assert.equal((await httpsRequest(`${spark.url}/v1/responses`, cert.cert, { ...json, authorization: 'Bearer wrong' }, body)).status, 401);
    assert.equal((await httpsRequest(`${spark.url}/v1/responses`, cert.cert, json, body)).status, 401);
    const foreign = await httpsRequest(`${spark.url}/v1/responses`, cert.cert, { ...json, authorization: `Bearer ${API_KEY}`, origin: 'https://evil.example' }, body);
    assert.equal(foreign.status, 403);
    assert.match(foreign.body, /origin_not_allowed/);
    const ok = await httpsRequest(`${spark.url}/v1/responses`, cert.cert, { ...json, authorization: `Bearer ${API_KEY}` }, body);
    assert.equal(ok.status, 200);

    const upgrade = (headers: Record<string, string>): Promise<number> => new Promise((resolve, reject) => {
      const socket = new WebSocket(`${spark.url.replace('https:', 'wss:')}/v1/responses`, { ca: cert.cert, headers });
      socket.once('open', () => { socket.close(); resolve(101); });
      socket.once('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0); socket.terminate(); });
      socket.once('error', (error) => { if (socket.readyState !== WebSocket.CLOSED) reject(error); });
    });
    assert.equal(await upgrade({ authorization: 'Bearer wrong' }), 401);
    assert.equal(await upgrade({ authorization: `Bearer ${API_KEY}`, origin: 'https://evil.example' }), 403);
    assert.equal(await upgrade({ authorization: `Bearer ${API_KEY}`, origin: spark.url }), 101);
  });

  void it('refuses a one-sided or mismatched pair before loading anything (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--tls-cert', cert.certPath], /--tls-cert and --tls-key go together: --tls-cert was given without --tls-key/],
      [['--tls-cert', cert.certPath, '--tls-key', other.keyPath], /--tls-key .*other-key\.pem is not the private key of the certificate in --tls-cert .*server-cert\.pem: the pair does not match/],
    ];
    for (const [args, message] of cases) {
      const refused = await refusedServe([...args, '--offline', '--model', join(dir, 'never-loaded.gguf')], env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, message);
      assert.doesNotMatch(refused.stderr, /loading/);
    }
  });
});
