// The server over engines shaped like an upstream (issue 22, point 3): reasoning streamed as the
// Responses reasoning item over SSE and WebSocket, reasoning input passed to the engine, an engine
// that never returns a state (no continuation, no timings, no prefix-cache counters), and an
// engine's retry hint as `Retry-After`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine, EngineEvent, GenerateRequest, ScriptedEngine, ScriptStep } from '@spark/engine';
import { errorOf, post, sseEvents } from './testing/sse-frames.js';
import { startTestServer, steps, TEST_MODEL, type TestServer } from './testing/test-server.js';
import { outputText, responseOf, WsTestClient } from './testing/ws-test-client.js';

const TOOLS = [{ type: 'function', name: 'exec_command', description: 'Run a shell command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } }];
const REASON_THEN_CALL: ScriptStep[] = [
  { type: 'reasoning', text: 'Need ls.', encryptedContent: 'enc-1' },
  { type: 'tool_call', name: 'exec_command', arguments: '{"cmd":"ls"}' },
];
/** Event types of spec §2.5 (Example B): reasoning, then a function call. */
const EXAMPLE_B = [
  'response.created', 'response.in_progress',
  'response.output_item.added', 'response.content_part.added', 'response.reasoning_text.delta', 'response.reasoning_text.delta',
  'response.reasoning_text.done', 'response.content_part.done', 'response.output_item.done',
  'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
  'response.function_call_arguments.done', 'response.output_item.done', 'response.completed',
];
const REASONING_ITEM = { type: 'reasoning', status: 'completed', summary: [], content: [{ type: 'reasoning_text', text: 'Need ls.' }], encrypted_content: 'enc-1' };

void describe('reasoning from the engine', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('streams over HTTP+SSE as the reasoning output item, and the SDK accumulates it', async () => {
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, stream: true, tools: TOOLS, input: steps(...REASON_THEN_CALL) });
    const events = sseEvents(res.text);
    assert.deepEqual(events.map((event) => event['type']), EXAMPLE_B);
    const id = (events[2]?.['item'] as { id: string }).id;
    assert.match(id, /^rs_/);
    assert.deepEqual(events.filter((event) => event['type'] === 'response.reasoning_text.delta').map((event) => event['delta']), ['Need', ' ls.']);
    const completed = events.at(-1)?.['response'] as { output: Array<Record<string, unknown>>; usage: { output_tokens_details: { reasoning_tokens: number } } };
    assert.deepEqual(completed.output[0], { ...REASONING_ITEM, id });
    assert.equal(completed.usage.output_tokens_details.reasoning_tokens, 2);

    // The official SDK's accumulator rejects parts and deltas out of order.
    const stream = t.client.responses.stream({ model: TEST_MODEL, tools: [TOOLS[0] as never], input: steps(...REASON_THEN_CALL) });
    const final = await stream.finalResponse();
    const reasoning = final.output[0];
    assert.ok(reasoning?.type === 'reasoning');
    assert.deepEqual(reasoning.content, [{ type: 'reasoning_text', text: 'Need ls.' }]);
    assert.equal(reasoning.encrypted_content, 'enc-1');
  });

  void it('streams over the WebSocket mode with the same events', async () => {
    const client = await WsTestClient.connect(t.url);
    const frames = await client.create({ model: TEST_MODEL, store: false, tools: TOOLS, input: steps(...REASON_THEN_CALL) });
    assert.deepEqual(frames.map((frame) => frame['type']), EXAMPLE_B);
    const response = responseOf(frames.at(-1));
    assert.deepEqual({ ...response.output[0], id: undefined }, { ...REASONING_ITEM, id: undefined });
    // The continuation carries the reasoning in its state: the engine gets only the new items.
    const callId = (response.output[1] as { call_id: string }).call_id;
    const next = await client.create({ model: TEST_MODEL, store: false, tools: TOOLS, previous_response_id: response.id, input: [{ type: 'function_call_output', call_id: callId, output: 'a.txt' }] });
    assert.equal(outputText(responseOf(next.at(-1))), 'Result: a.txt');
    assert.ok(t.engine.requests.at(-1)?.continueFrom);
    assert.deepEqual(t.engine.requests.at(-1)?.conversation.map((item) => item.type), ['tool_result']);
    client.close();
  });

  void it('passes reasoning input items to the engine, opaque payload included', async () => {
    const input = [
      { role: 'user', content: 'list' },
      { type: 'reasoning', id: 'rs_x', summary: [{ type: 'summary_text', text: 'short' }], content: [{ type: 'reasoning_text', text: 'Need ls.' }], encrypted_content: 'enc-1' },
      { type: 'reasoning', id: 'rs_y', summary: [{ type: 'summary_text', text: 'only a summary' }] },
      { role: 'user', content: 'again' },
    ];
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input });
    assert.equal(res.status, 200);
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, [
      { type: 'user', text: 'list' },
      { type: 'reasoning', text: 'Need ls.', encryptedContent: 'enc-1' },
      { type: 'reasoning', text: 'only a summary' },
      { type: 'user', text: 'again' },
    ]);
  });
});

/** What an upstream without server-side state reports: no states, no timings, no prefix-cache counters. */
class StatelessUpstream implements Engine {
  readonly name = 'upstream';
  constructor(private readonly inner: ScriptedEngine) {}
  listModels(): ReturnType<Engine['listModels']> { return this.inner.listModels(); }
  stats(): ReturnType<Engine['stats']> { return { activeSequences: this.inner.stats().activeSequences }; }
  dispose(): Promise<void> { return this.inner.dispose(); }
  generate(request: GenerateRequest): AsyncIterable<EngineEvent> { return this.inner.generate(request); }
}

void describe('an engine that cannot continue', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ engineOptions: { continuation: false, timings: false }, wrapEngine: (engine) => new StatelessUpstream(engine) });
  });
  after(async () => { await t.server.close(); });

  void it('chains WebSocket turns by sending the whole conversation, with no state and no refusal', async () => {
    const client = await WsTestClient.connect(t.url);
    const first = responseOf((await client.create({ model: TEST_MODEL, store: false, input: 'one' })).at(-1));
    assert.equal(first.status, 'completed');
    const second = await client.create({ model: TEST_MODEL, store: false, previous_response_id: first.id, input: 'two' });
    assert.equal(outputText(responseOf(second.at(-1))), 'You said: two');
    const request = t.engine.requests.at(-1);
    assert.equal(request?.continueFrom, undefined);
    assert.deepEqual(request?.conversation, [{ type: 'user', text: 'one' }, { type: 'assistant', text: 'You said: one' }, { type: 'user', text: 'two' }]);
    assert.deepEqual(t.logged, [], 'nothing was refused or logged');
    client.close();
  });

  void it('serves metrics without timings or prefix-cache counters', async () => {
    await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x' });
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(text, /spark_output_tokens_per_second_count 0\n/);
    assert.match(text, /spark_kv_reuse_hits_total 0\n/);
    assert.match(text, /spark_kv_reuse_misses_total 0\n/);
  });
});

void describe('an engine error with a retry hint', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  const refuse = (code: 'overloaded' | 'internal', retryAfterMs?: number): string =>
    steps({ type: 'error', code, message: 'secret upstream detail', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

  void it('answers HTTP with Retry-After in whole seconds, rounded up; without a hint, as before', async () => {
    const busy = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: refuse('overloaded', 2500) });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers.get('retry-after'), '3');
    assert.match(errorOf(busy.json()).message, /try again in 3s/);

    const down = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, stream: true, input: refuse('internal', 10_000) });
    assert.equal(down.status, 500);
    assert.equal(down.headers.get('retry-after'), '10');
    assert.doesNotMatch(down.text, /secret/);

    const plain = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: refuse('internal') });
    assert.equal(plain.status, 500);
    assert.equal(plain.headers.get('retry-after'), null);
    const overloaded = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: refuse('overloaded') });
    assert.equal(overloaded.headers.get('retry-after'), '1', 'the server\'s own Retry-After');
  });

  void it('puts it in the WebSocket error frame\'s headers, and frames without one stay as they were', async () => {
    const client = await WsTestClient.connect(t.url);
    const busy = await client.create({ model: TEST_MODEL, input: refuse('overloaded', 2500) });
    assert.deepEqual(busy.map((frame) => JSON.stringify(frame)), [
      '{"type":"error","status":429,"error":{"type":"rate_limit_error","code":"rate_limit_exceeded","message":"The server is busy: all model slots are taken. Please try again in 3s.","param":null,"headers":{"retry-after":"3"}}}',
    ]);
    const down = await client.create({ model: TEST_MODEL, input: refuse('internal') });
    assert.deepEqual(down.map((frame) => JSON.stringify(frame)), [
      '{"type":"error","status":500,"error":{"type":"server_error","code":"server_error","message":"The server had an error while processing your request.","param":null}}',
    ]);
    client.close();
  });
});
