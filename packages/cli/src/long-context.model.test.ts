// A 20k-token conversation on Gemma 3 270M (a 32k trained window) over a real WebSocket: three
// chained turns reuse the KV cache, and the window's edge is exact: a prompt of window - 1
// tokens runs, one more token is refused with context_length_exceeded before any output.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';
import { responseOf, WsTestClient, type Frame } from '@spark/server/testing';

const MODEL = 'gemma3-270m';
/** Past 20k tokens of history, with room for the edge test's own filler. */
const WINDOW = 24_576;
/** Roughly 20k Gemma tokens of code-like history (measured: ~24 tokens a line). */
const HISTORY = Array.from({ length: 860 }, (_, i) => `function f${i}(value: number): number { return value * ${i % 17} + ${(i * 7) % 31}; }`).join('\n');

interface Usage { input_tokens: number; output_tokens: number; input_tokens_details: { cached_tokens: number } }
const usageOf = (frame: Frame | undefined): Usage => (frame?.['response'] as { usage: Usage }).usage;
/** `n` copies of " a": one Gemma token each, so a prompt grows by exactly n tokens. */
const tokensOfA = (n: number): string => ' a'.repeat(n);
/** A 20k-token prefill on a busy 2-core machine takes minutes, not the test client's default minute. */
const TURN_TIMEOUT_MS = 15 * 60_000;

describe('a 20k-token conversation on Gemma 3 270M over WebSocket', () => {
  let engine: LlamaEngine;
  let server: RunningServer;
  let client: WsTestClient;
  let lastId = '';
  const create = (body: Record<string, unknown>): Promise<Frame[]> => {
    client.send({ type: 'response.create', ...body });
    return client.turn(undefined, TURN_TIMEOUT_MS);
  };

  before(async () => {
    const local = await resolveModel(MODEL, { pull: true });
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: local.path }], contextSize: WINDOW, sequences: 1, speculation: false });
    server = await startServer({ engine, port: 0, dbPath: ':memory:' });
    client = await WsTestClient.connect(server.url);
  });

  after(async () => {
    client.close();
    await server.close();
    await engine.dispose();
  });

  it('chains three turns on a 20k-token history, each reusing the one before from the KV cache', async (t) => {
    const base = { model: MODEL, store: false, temperature: 0, max_output_tokens: 8 };
    let previous: string | undefined;
    let previousTotal = 0;
    const inputs = [`${HISTORY}\n\nWhich function multiplies by 3?`, 'And which one adds 5?', 'Name one more.'];
    for (const [turn, text] of inputs.entries()) {
      const frames = await create({ ...base, ...(previous === undefined ? {} : { previous_response_id: previous }), input: [{ role: 'user', content: text }] });
      const done = frames.at(-1);
      assert.ok(done?.['type'] === 'response.completed' || done?.['type'] === 'response.incomplete', JSON.stringify(done));
      const usage = usageOf(done);
      t.diagnostic(`turn ${turn + 1}: input ${usage.input_tokens}, cached ${usage.input_tokens_details.cached_tokens}, output ${usage.output_tokens}`);
      if (turn === 0) assert.ok(usage.input_tokens > 20_000, `the history is ${usage.input_tokens} tokens`);
      else assert.ok(usage.input_tokens_details.cached_tokens >= previousTotal, `turn ${turn + 1}: cached ${usage.input_tokens_details.cached_tokens} < ${previousTotal}`);
      previous = responseOf(done).id;
      previousTotal = usage.input_tokens + usage.output_tokens - 1;
    }
    lastId = previous ?? '';
  });

  it('runs a prompt of window - 1 tokens and refuses window tokens with context_length_exceeded before any output', async () => {
    assert.ok(lastId !== '', 'the chain of the test before');
    const request = (n: number): Record<string, unknown> => ({ model: MODEL, store: false, temperature: 0, max_output_tokens: 1, previous_response_id: lastId, input: [{ role: 'user', content: tokensOfA(n) }] });
    // Measure where a small message puts the prompt, then grow the message to the edge.
    const probeN = 64;
    const probe = await create(request(probeN));
    const probeTokens = usageOf(probe.at(-1)).input_tokens;
    const edgeN = probeN + (WINDOW - 1 - probeTokens);
    const atEdge = await create(request(edgeN));
    const edgeDone = atEdge.at(-1);
    assert.ok(edgeDone?.['type'] === 'response.incomplete' || edgeDone?.['type'] === 'response.completed', JSON.stringify(edgeDone).slice(0, 300));
    assert.equal(usageOf(edgeDone).input_tokens, WINDOW - 1, 'the prompt filled the window but one token');
    assert.ok(usageOf(edgeDone).output_tokens <= 1);

    const over = await create(request(edgeN + 1));
    assert.equal(over.length, 1, `only the error frame, no response events: ${over.map((frame) => String(frame['type'])).join(', ')}`);
    const error = over[0] as { type: string; status: number; error: { type: string; code: string; param: string; message: string } };
    assert.equal(error.type, 'error');
    assert.equal(error.status, 400);
    assert.deepEqual([error.error.type, error.error.code, error.error.param], ['invalid_request_error', 'context_length_exceeded', 'input']);
    assert.match(error.error.message, new RegExp(`holds ${WINDOW} tokens`));
  });

  it('answers an over-long HTTP request with 400 context_length_exceeded in the Responses error shape', async () => {
    const response = await fetch(`${server.url}/v1/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, input: `${HISTORY}\n${HISTORY}` }),
    });
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const { error } = (await response.json()) as { error: { type: string; code: string; param: string } };
    assert.deepEqual([error.type, error.code, error.param], ['invalid_request_error', 'context_length_exceeded', 'input']);
  });
});
