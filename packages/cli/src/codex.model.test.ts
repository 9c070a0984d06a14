// End to end with OpenAI's own agent: `codex exec` (Codex CLI 0.169, a devDependency) completes
// turns against the real `spark serve` CLI on SmolLM2 135M Instruct, over HTTP+SSE and with
// `supports_websockets = true`. A recording proxy between the two is the witness of which
// transport each turn really used. The tiny model's words are nonsense; the machinery is the test.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { createCodexWorkspace, runCodexExec, startSparkServe, type CodexExecResult, type CodexWorkspace, type SparkServeProcess } from './testing/codex-harness.js';
import { isRecord, startRecordingProxy, type HttpExchange, type RecordingProxy } from './testing/recording-proxy.js';

/**
 * An instruction-tuned model: it answers and stops. The cached gemma3-270m is a base model that,
 * greedy, copies Codex's prompt back until the context is full, so a Codex turn never ends.
 */
const MODEL = 'smollm2-135m';
/** SmolLM2's whole window. Codex's request renders to ~4.2k tokens with the short catalog prompt. */
const CONTEXT = 8192;
const API_KEY = 'spark-codex-e2e-key';
const PROMPT = 'Reply with the single word: hello.';
const CODEX_TIMEOUT_MS = 150_000;

/**
 * WEBSOCKET ASSERTION SWITCH. `true` (the WebSocket mode has landed): the test asserts every
 * upgrade got 101, the turn's `response.create` and a `response.completed` with output crossed
 * the socket, and no HTTP POST was made. `false` (a server without the mode, answering the
 * upgrade with 426): it asserts Codex's fallback, 426 and then the turn over HTTP. Either value
 * fails when the server behaves the other way. SPARK_EXPECT_CODEX_WS=1 or =0 overrides it.
 */
const WEBSOCKET_MODE_LANDED = true;
const wsOverride = process.env['SPARK_EXPECT_CODEX_WS'];
const expectWebSocket = wsOverride === undefined || wsOverride === '' ? WEBSOCKET_MODE_LANDED : wsOverride === '1';

describe(`codex exec against spark serve (${MODEL})`, () => {
  let serve: SparkServeProcess;
  let workspace: CodexWorkspace;

  before(async () => {
    workspace = await createCodexWorkspace(MODEL, CONTEXT);
    serve = await startSparkServe(['--model', MODEL, '--ctx', String(CONTEXT), '--sequences', '2', '--db', ':memory:', '--offline', '--api-key', API_KEY]);
  });

  after(async () => {
    await serve?.stop();
    await workspace?.dispose();
  });

  it('completes a turn over HTTP + SSE, with the catalog apply_patch tool', { timeout: CODEX_TIMEOUT_MS + 30_000 }, async (t) => {
    const proxy = await startRecordingProxy(serve.url);
    let run: CodexExecResult | undefined;
    try {
      const postsBefore = await countedResponsePosts(serve.url);
      run = await runCodexExec(workspace, { baseUrl: `${proxy.url}/v1`, model: MODEL, supportsWebsockets: false, apiKey: API_KEY, prompt: PROMPT, timeoutMs: CODEX_TIMEOUT_MS });
      report(t, 'http', run, proxy);
      assertTurnCompleted(run, proxy, serve);

      assert.equal(proxy.upgrades().length, 0, 'no WebSocket attempt without supports_websockets');
      const posts = proxy.http('POST', '/v1/responses');
      assert.ok(posts.length >= 1, 'Codex made no POST /v1/responses');
      for (const post of posts) assertStreamedTurn(post);
      for (const post of posts) assert.equal(post.requestHeaders.authorization, `Bearer ${API_KEY}`, 'the env_key value is the bearer token');

      const first = parseBody(posts[0]);
      assert.equal(first['model'], MODEL);
      assert.equal(first['stream'], true);
      const tools = Array.isArray(first['tools']) ? first['tools'].filter(isRecord) : [];
      const applyPatch = tools.find((tool) => tool['type'] === 'custom' && tool['name'] === 'apply_patch');
      assert.ok(applyPatch, `the catalog entry enables the freeform apply_patch tool; tools: ${tools.map((tool) => String(tool['name'] ?? tool['type'])).join(', ')}`);
      assert.ok(isRecord(applyPatch['format']) && applyPatch['format']['syntax'] === 'lark', 'apply_patch carries its Lark grammar');

      // Every tool call the model made was run by Codex and answered in a later request.
      const calls = posts.flatMap((post) => toolCallIds(completedResponse(post)));
      const answered = new Set(posts.flatMap((post) => toolOutputIds(parseBody(post)['input'])));
      for (const callId of calls) assert.ok(answered.has(callId), `Codex sent no output for tool call ${callId}`);
      t.diagnostic(`http: ${calls.length} tool call(s) made and answered`);

      // The server itself counted the requests, not only the proxy. It counts one when the
      // response closes, a moment after the proxy saw its end: poll briefly.
      let counted = 0;
      for (let attempt = 0; attempt < 20 && counted !== posts.length; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        counted = await countedResponsePosts(serve.url) - postsBefore;
      }
      assert.equal(counted, posts.length, 'spark_http_requests_total agrees with the proxy');
    } finally {
      await proxy.close();
      await dumpIfAsked('http', proxy, run);
    }
  });

  it(`completes a turn with supports_websockets = true (${expectWebSocket ? 'asserting the WebSocket path' : 'asserting the 426 fallback to HTTP'})`, { timeout: CODEX_TIMEOUT_MS + 30_000 }, async (t) => {
    const proxy = await startRecordingProxy(serve.url);
    let run: CodexExecResult | undefined;
    try {
      run = await runCodexExec(workspace, { baseUrl: `${proxy.url}/v1`, model: MODEL, supportsWebsockets: true, apiKey: API_KEY, prompt: PROMPT, timeoutMs: CODEX_TIMEOUT_MS });
      report(t, 'ws', run, proxy);
      assertTurnCompleted(run, proxy, serve);

      const upgrades = proxy.upgrades();
      assert.ok(upgrades.length >= 1, 'Codex did not try the WebSocket transport');
      for (const upgrade of upgrades) {
        assert.equal(upgrade.path, '/v1/responses');
        assert.equal(upgrade.requestHeaders.upgrade?.toLowerCase(), 'websocket');
        assert.equal(upgrade.requestHeaders.authorization, `Bearer ${API_KEY}`);
      }
      const posts = proxy.http('POST', '/v1/responses');

      if (expectWebSocket) {
        // --- WebSocket assertion (enabled by WEBSOCKET_MODE_LANDED) ---
        for (const upgrade of upgrades) {
          assert.equal(upgrade.status, 101, 'the server switched protocols');
          assert.equal(upgrade.unreadableFrames, 0, 'every frame was a JSON text frame');
        }
        const sent = upgrades.flatMap((upgrade) => upgrade.clientMessages);
        const received = upgrades.flatMap((upgrade) => upgrade.serverMessages);
        assert.ok(sent.some((m) => m['type'] === 'response.create' && m['generate'] !== false), 'Codex sent its turn as response.create over the socket');
        const completed = received.filter((m) => m['type'] === 'response.completed').map((m) => m['response']).filter(isRecord);
        assert.ok(completed.some((r) => Array.isArray(r['output']) && r['output'].length > 0), 'a response.completed with output came over the socket');
        const errors = received.filter((m) => m['type'] === 'error' || m['type'] === 'response.failed' || m['type'] === 'response.incomplete');
        assert.deepEqual(errors, [], 'no error, failed or incomplete events on the socket');
        assert.equal(posts.length, 0, 'the turn did not fall back to HTTP');
        const calls = completed.flatMap((response) => toolCallIds(response));
        const answered = new Set(sent.flatMap((m) => toolOutputIds(m['input'])));
        for (const callId of calls) assert.ok(answered.has(callId), `Codex sent no output for tool call ${callId}`);
        t.diagnostic(`ws: ${upgrades.length} connection(s); client frames: ${sent.map((m) => `${String(m['type'])}${m['generate'] === false ? '(generate:false)' : ''}${typeof m['previous_response_id'] === 'string' ? '(continuation)' : ''}`).join(', ')}; ${calls.length} tool call(s)`);
      } else {
        // --- Fallback assertion (while the server has no WebSocket mode) ---
        for (const upgrade of upgrades) assert.equal(upgrade.status, 426, 'a server without WebSocket mode answers the upgrade with 426');
        assert.ok(posts.length >= 1, 'after the 426 Codex carried the turn over HTTP');
        for (const post of posts) assertStreamedTurn(post);
      }
    } finally {
      await proxy.close();
      await dumpIfAsked('ws', proxy, run);
    }
  });
});

/** Exit code 0, a completed turn and a final agent message in the JSONL, nothing failed. */
function assertTurnCompleted(run: CodexExecResult, proxy: RecordingProxy, serve: SparkServeProcess): void {
  const types = run.events.map((event) => String(event['type']));
  const context = (): string => `\ncodex events: ${types.join(', ')}\ncodex stderr: ${tail(run.stderr)}\nrejected: ${rejections(proxy)}\nserver log: ${tail(serve.log())}`;
  assert.equal(run.timedOut, false, `codex exec timed out after ${run.durationMs} ms${context()}`);
  assert.equal(run.exitCode, 0, `codex exec exited with ${run.exitCode ?? run.signal}${context()}`);
  assert.equal(types[0], 'thread.started', context());
  assert.ok(types.includes('turn.completed'), `no turn.completed${context()}`);
  assert.ok(!types.includes('turn.failed') && !types.includes('error'), `the turn failed${context()}`);
  const messages = run.events.filter((event) => event['type'] === 'item.completed' && isRecord(event['item']) && event['item']['type'] === 'agent_message');
  assert.ok(messages.length >= 1, `no final agent message${context()}`);
}

/** A 200 SSE answer that ended with response.completed. */
function assertStreamedTurn(post: HttpExchange): void {
  assert.equal(post.status, 200, `POST /v1/responses answered ${post.status}: ${post.responseBody.slice(0, 500)}`);
  assert.equal(post.events[0], 'response.created');
  assert.equal(post.events.at(-1), 'response.completed', `stream ended with ${post.events.at(-1) ?? 'nothing'}`);
}

/** `spark_http_requests_total` for POST /v1/responses, all statuses. */
async function countedResponsePosts(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^spark_http_requests_total\{method="POST",route="\/v1\/responses",status="\d+"\} (\d+)$/.exec(line);
    if (match) total += Number(match[1]);
  }
  return total;
}

function parseBody(exchange: HttpExchange | undefined): Record<string, unknown> {
  const parsed = parseJson(exchange?.requestBody ?? '');
  return isRecord(parsed) ? parsed : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `response` of the stream's response.completed event. */
function completedResponse(exchange: HttpExchange): unknown {
  for (const line of exchange.responseBody.split('\n')) {
    if (!line.startsWith('data:') || !line.includes('"response.completed"')) continue;
    const parsed = parseJson(line.slice(5));
    if (isRecord(parsed) && parsed['type'] === 'response.completed') return parsed['response'];
  }
  return undefined;
}

function toolCallIds(response: unknown): string[] {
  if (!isRecord(response) || !Array.isArray(response['output'])) return [];
  return response['output'].filter(isRecord)
    .filter((item) => item['type'] === 'function_call' || item['type'] === 'custom_tool_call')
    .map((item) => String(item['call_id']));
}

function toolOutputIds(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  return input.filter(isRecord)
    .filter((item) => item['type'] === 'function_call_output' || item['type'] === 'custom_tool_call_output')
    .map((item) => String(item['call_id']));
}

/** Status and error body of every refused request: what to fix when Codex and Spark disagree. */
function rejections(proxy: RecordingProxy): string {
  const refused = proxy.exchanges.filter((e): e is HttpExchange => e.kind === 'http' && e.status >= 400);
  return refused.length === 0 ? 'none' : refused.map((e) => `${e.method} ${e.path} ${e.status} ${e.responseBody.slice(0, 400)}`).join('\n');
}

function report(t: TestContext, label: string, run: CodexExecResult, proxy: RecordingProxy): void {
  const usage = proxy.exchanges.flatMap((e) => {
    if (e.kind === 'http') return [completedResponse(e)];
    return e.serverMessages.filter((m) => m['type'] === 'response.completed').map((m) => m['response']);
  }).filter(isRecord).map((response) => response['usage']).filter(isRecord);
  const tokens = usage.map((u) => `${String(u['input_tokens'])} in (${String(isRecord(u['input_tokens_details']) ? u['input_tokens_details']['cached_tokens'] : '?')} cached) / ${String(u['output_tokens'])} out`);
  const exchanges = proxy.exchanges.map((e) => `${e.kind === 'http' ? e.method : 'UPGRADE'} ${e.path} ${e.status}`);
  t.diagnostic(`${label}: codex exec ${run.durationMs} ms, exit ${run.exitCode ?? run.signal}; exchanges: ${exchanges.join('; ')}; responses: ${tokens.join('; ') || 'none'}`);
}

/** SPARK_CODEX_TEST_DUMP=<dir>: keep every exchange and Codex's output, to debug a disagreement. */
async function dumpIfAsked(label: string, proxy: RecordingProxy, run: CodexExecResult | undefined): Promise<void> {
  const dir = process.env['SPARK_CODEX_TEST_DUMP'];
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${label}.json`), JSON.stringify({ run, exchanges: proxy.exchanges }, null, 1));
}

function tail(text: string, chars = 1500): string {
  return text.length > chars ? `...${text.slice(-chars)}` : text;
}
