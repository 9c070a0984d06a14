import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { EngineError, type Engine, type EngineEvent, type GenerateRequest, type ScriptedEngine, type ScriptStep } from '@spark/engine';
import { startTestServer, steps, TEST_MODEL, waitFor, type TestServer } from '../testing/test-server.js';
import { outputText, responseOf, WsTestClient, type Frame } from '../testing/ws-test-client.js';

const INSTRUCTIONS = 'You are a coding agent.';
const TOOLS = [
  { type: 'function', name: 'exec_command', description: 'Run a shell command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'], additionalProperties: false } },
  { type: 'custom', name: 'apply_patch', description: 'Edit files with a patch', format: { type: 'text' } },
];
const PATCH = '*** Begin Patch\n*** Update File: README.md\n@@\n Run npm start.\n+\n+License: MIT\n*** End Patch\n';

/** Codex-like agent turns: a shell call, then a patch, then a final answer, by how many tool results the conversation holds. */
function agentScript(request: GenerateRequest): readonly ScriptStep[] {
  const results = request.conversation.filter((item) => item.type === 'tool_result').length;
  if (results === 0) return [{ type: 'tool_call', name: 'exec_command', arguments: '{"cmd":"tail -n 3 README.md"}' }];
  if (results === 1) return [{ type: 'tool_call', name: 'apply_patch', arguments: PATCH, kind: 'custom' }];
  return [{ type: 'text', text: 'Added the license line to README.md.' }];
}

/** The text of an SDK Response's output messages. */
function sdkText(response: OpenAI.Responses.Response): string {
  return response.output.flatMap((item) => (item.type === 'message' ? item.content : [])).map((part) => (part.type === 'output_text' ? part.text : '')).join('');
}

const types = (frames: Frame[]): string[] => frames.map((frame) => String(frame['type']));
const last = (frames: Frame[]): Frame | undefined => frames.at(-1);

void describe('WebSocket mode through the official SDK (ResponsesWS)', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ apiKeys: ['sk-sdk'] }); });
  after(async () => { await t.server.close(); });

  void it('creates a response and continues it with only the new input, using only baseURL and apiKey', async () => {
    const socket = new ResponsesWS(t.client);
    const errors: unknown[] = [];
    socket.on('error', (error) => errors.push(error));
    try {
      const firstDone = socket.emitted('response.completed');
      socket.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'hello over ws' });
      const first = (await firstDone).response;
      assert.equal(first.status, 'completed');
      assert.equal(sdkText(first), 'You said: hello over ws');

      const secondDone = socket.emitted('response.completed');
      socket.send({ type: 'response.create', model: TEST_MODEL, store: false, previous_response_id: first.id, input: [{ role: 'user', content: 'and again' }] });
      const second = (await secondDone).response;
      assert.equal(second.previous_response_id, first.id);
      assert.equal(sdkText(second), 'You said: and again');
      const request = t.engine.requests.at(-1);
      assert.ok(request?.continueFrom, 'the engine continued the first response');
      assert.deepEqual(request.conversation, [{ type: 'user', text: 'and again' }]);
      assert.ok((second.usage?.input_tokens_details.cached_tokens ?? 0) > 0);
      assert.deepEqual(errors, []);
    } finally {
      socket.close();
    }
  });

  void it('reports a request error through the SDK error callback with code, param and status', async () => {
    const socket = new ResponsesWS(t.client);
    try {
      const failed = socket.emitted('error');
      socket.send({ type: 'response.create', model: TEST_MODEL, previous_response_id: 'resp_gone', input: 'x' });
      const error = await failed;
      assert.ok(error instanceof OpenAI.OpenAIError);
      assert.deepEqual({ ...error.error }, {
        type: 'error', status: 400,
        error: { type: 'invalid_request_error', code: 'previous_response_not_found', message: "Previous response with id 'resp_gone' not found.", param: 'previous_response_id' },
      });
    } finally {
      socket.close();
    }
  });
});

void describe('WebSocket chaining without resending', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ engineOptions: { script: agentScript } }); });
  after(async () => { await t.server.close(); });

  void it('warms up with generate:false, then runs 3 tool-calling turns sending only new items; the engine continues each state', async () => {
    const client = await WsTestClient.connect(t.url);
    const settings = { model: TEST_MODEL, store: false, stream: true, instructions: INSTRUCTIONS, tool_choice: 'auto', parallel_tool_calls: false, tools: TOOLS };
    const before = t.engine.requests.length;

    const warm = await client.create({ ...settings, generate: false, input: [] });
    assert.deepEqual(types(warm), ['response.created', 'response.in_progress', 'response.completed']);
    const warmResponse = responseOf(last(warm));
    assert.deepEqual(warmResponse.output, []);
    assert.equal((last(warm)?.['response'] as { usage: { output_tokens: number } }).usage.output_tokens, 0);
    assert.equal(t.engine.requests[before]?.prefillOnly, true);

    const turn1 = await client.create({ ...settings, previous_response_id: warmResponse.id, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Add a LICENSE line to README.md' }] }] });
    const a = responseOf(last(turn1));
    assert.equal(a.status, 'completed');
    assert.equal(a.previous_response_id, warmResponse.id);
    const call = a.output[0] as { type: string; call_id: string; name: string };
    assert.equal(call.type, 'function_call');

    const turn2 = await client.create({ ...settings, previous_response_id: a.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: '## Usage\nRun npm start.\n' }] });
    const b = responseOf(last(turn2));
    const patch = b.output[0] as { type: string; call_id: string; input: string };
    assert.deepEqual([patch.type, patch.input], ['custom_tool_call', PATCH]);

    const turn3 = await client.create({ ...settings, previous_response_id: b.id, input: [{ type: 'custom_tool_call_output', call_id: patch.call_id, output: 'Success. Updated the following files:\nM README.md\n' }] });
    const c = responseOf(last(turn3));
    assert.equal(outputText(c), 'Added the license line to README.md.');
    for (const frame of [...warm, ...turn1, ...turn2, ...turn3]) assert.equal('stream_id' in frame, false);

    // The engine got continueFrom plus only the new items, every turn.
    const [w, r1, r2, r3] = t.engine.requests.slice(before);
    assert.deepEqual(w?.conversation, [{ type: 'system', text: INSTRUCTIONS }]);
    assert.deepEqual(r1?.conversation, [{ type: 'user', text: 'Add a LICENSE line to README.md' }]);
    assert.deepEqual(r2?.conversation, [{ type: 'tool_result', callId: call.call_id, output: '## Usage\nRun npm start.\n' }]);
    assert.deepEqual(r3?.conversation, [{ type: 'tool_result', callId: patch.call_id, output: 'Success. Updated the following files:\nM README.md\n' }]);
    assert.ok(r1?.continueFrom && r2?.continueFrom && r3?.continueFrom);
    assert.deepEqual((r3.continueFrom.data as { conversation: unknown[] }).conversation.map((item) => (item as { type: string }).type),
      ['system', 'user', 'tool_call', 'tool_result', 'tool_call']);
    const usage = (last(turn3)?.['response'] as { usage: { input_tokens: number; input_tokens_details: { cached_tokens: number } } }).usage;
    assert.ok(usage.input_tokens_details.cached_tokens > 0 && usage.input_tokens_details.cached_tokens < usage.input_tokens);
    client.close();
  });

  void it('continues a warm-up with input: [] (generate now from exactly that state)', async () => {
    const client = await WsTestClient.connect(t.url);
    const warm = responseOf(last(await client.create({ model: TEST_MODEL, store: false, generate: false, instructions: INSTRUCTIONS, input: [] })));
    const now = await client.create({ model: TEST_MODEL, store: false, instructions: INSTRUCTIONS, previous_response_id: warm.id, input: [] });
    assert.equal(responseOf(last(now)).status, 'completed');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, []);
    assert.ok(t.engine.requests.at(-1)?.continueFrom);
    client.close();
  });

  void it('falls back to the full conversation when instructions or tools change', async () => {
    const client = await WsTestClient.connect(t.url);
    const first = responseOf(last(await client.create({ model: TEST_MODEL, store: false, instructions: INSTRUCTIONS, input: 'go' })));
    const changed = await client.create({ model: TEST_MODEL, store: false, instructions: 'Be terse.', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: (first.output[0] as { call_id: string }).call_id, output: 'ok' }] });
    assert.equal(responseOf(last(changed)).status, 'completed');
    const request = t.engine.requests.at(-1);
    assert.equal(request?.continueFrom, undefined);
    assert.deepEqual(request?.conversation.map((item) => item.type), ['system', 'user', 'tool_call', 'tool_result']);
    assert.deepEqual(request?.conversation[0], { type: 'system', text: 'Be terse.' });
    client.close();
  });
});

/** An engine that has lost every state it reported (its sequences were recycled): it refuses continueFrom. */
class ForgetfulEngine implements Engine {
  readonly name = 'scripted';
  constructor(private readonly inner: ScriptedEngine) {}
  listModels(): ReturnType<Engine['listModels']> { return this.inner.listModels(); }
  stats(): ReturnType<Engine['stats']> { return this.inner.stats(); }
  dispose(): Promise<void> { return this.inner.dispose(); }
  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    if (request.continueFrom) throw new EngineError('invalid_request', 'That state is gone.');
    return this.inner.generate(request);
  }
}

void describe('WebSocket continuation refused by the engine', () => {
  void it('falls back to the full conversation instead of failing the request', async () => {
    const t = await startTestServer({ wrapEngine: (engine) => new ForgetfulEngine(engine) });
    try {
      const client = await WsTestClient.connect(t.url);
      const first = responseOf(last(await client.create({ model: TEST_MODEL, store: false, input: 'one' })));
      const second = await client.create({ model: TEST_MODEL, store: false, previous_response_id: first.id, input: 'two' });
      assert.equal(outputText(responseOf(last(second))), 'You said: two');
      assert.deepEqual(t.engine.requests.at(-1)?.conversation, [{ type: 'user', text: 'one' }, { type: 'assistant', text: 'You said: one' }, { type: 'user', text: 'two' }]);
      assert.match(t.logged.join('\n'), /refused a continuation state/);
      client.close();
    } finally {
      await t.server.close();
    }
  });
});

void describe('WebSocket previous_response_not_found', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('answers an unknown id with the exact spec error frame and no response.created', async () => {
    const client = await WsTestClient.connect(t.url);
    const frames = await client.create({ model: TEST_MODEL, previous_response_id: 'resp_gone', input: 'x' });
    assert.deepEqual(frames.map((frame) => JSON.stringify(frame)), [
      '{"type":"error","status":400,"error":{"type":"invalid_request_error","code":"previous_response_not_found","message":"Previous response with id \'resp_gone\' not found.","param":"previous_response_id"}}',
    ]);
    const onLane = await client.create({ model: TEST_MODEL, previous_response_id: 'resp_gone', input: 'x', stream_id: 'main' });
    assert.equal(JSON.stringify(onLane[0]),
      '{"type":"error","status":400,"stream_id":"main","error":{"type":"invalid_request_error","code":"previous_response_not_found","message":"Previous response with id \'resp_gone\' not found.","param":"previous_response_id"}}');
    // The socket stays open.
    assert.equal(responseOf(last(await client.create({ model: TEST_MODEL, input: 'still open' }))).status, 'completed');
    client.close();
  });

  void it('forgets store:false responses after a reconnect; store:true ones chain from the store (full history)', async () => {
    const first = await WsTestClient.connect(t.url);
    const unstored = responseOf(last(await first.create({ model: TEST_MODEL, store: false, input: 'ephemeral' })));
    const stored = responseOf(last(await first.create({ model: TEST_MODEL, input: 'persisted' })));
    first.close();
    await first.closed;
    assert.equal((await t.client.responses.retrieve(stored.id)).status, 'completed');

    const second = await WsTestClient.connect(t.url);
    const gone = await second.create({ model: TEST_MODEL, previous_response_id: unstored.id, input: 'x' });
    assert.equal((gone[0]?.['error'] as { code: string }).code, 'previous_response_not_found');
    const chained = await second.create({ model: TEST_MODEL, previous_response_id: stored.id, input: 'more' });
    assert.equal(outputText(responseOf(last(chained))), 'You said: more');
    const request = t.engine.requests.at(-1);
    assert.equal(request?.continueFrom, undefined);
    assert.deepEqual(request?.conversation, [{ type: 'user', text: 'persisted' }, { type: 'assistant', text: 'You said: persisted' }, { type: 'user', text: 'more' }]);
    second.close();
  });

  void it('evicts the parent of a failed same-lane continuation (checklist 23); a failed fork keeps it', async () => {
    const client = await WsTestClient.connect(t.url);
    const parent = responseOf(last(await client.create({ model: TEST_MODEL, store: false, input: 'parent' })));
    const forkFailed = await client.create({ model: TEST_MODEL, store: false, stream_id: 'alt', previous_response_id: parent.id, input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] });
    assert.deepEqual([forkFailed[0]?.['type'], forkFailed[0]?.['status'], forkFailed[0]?.['stream_id']], ['error', 400, 'alt']);
    const failed = await client.create({ model: TEST_MODEL, store: false, previous_response_id: parent.id, input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] });
    assert.deepEqual([failed[0]?.['type'], failed[0]?.['status']], ['error', 400]);
    const retry = await client.create({ model: TEST_MODEL, store: false, previous_response_id: parent.id, input: 'retry' });
    assert.equal((retry[0]?.['error'] as { code: string }).code, 'previous_response_not_found');
    client.close();
  });
});

void describe('WebSocket misbehaving clients', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ websocket: { limits: { maxPayloadBytes: 4096, maxNamedLanes: 2, maxQueuedRequests: 2 } } });
  });
  after(async () => { await t.server.close(); });

  void it('answers malformed, binary and unknown frames with error frames and keeps the socket open', async () => {
    const client = await WsTestClient.connect(t.url);
    client.send('{not json');
    client.ws.send(Buffer.from('{"type":"response.create"}'), { binary: true });
    client.send({ type: 'response.append', input: 'x' });
    client.send(['array']);
    client.send({ type: 'response.create', model: TEST_MODEL, input: 'x', stream_id: 'bad id!' });
    client.send({ type: 'response.create', model: TEST_MODEL, input: 'x', stream_id: '' });
    client.send({ type: 'response.create', model: TEST_MODEL, input: 'x', background: true, stream_id: 'ok' });
    client.send({ type: 'response.create', model: 'no-such-model', input: 'x' });
    const errors: Frame[] = [];
    for (let index = 0; index < 7; index += 1) errors.push(...await client.turn(index === 6 ? 'ok' : undefined));
    assert.deepEqual(errors.map((frame) => [frame['status'], (frame['error'] as { code: string | null }).code]), [
      [400, 'invalid_json'], [400, 'invalid_frame'], [400, 'invalid_value'], [400, 'invalid_type'],
      [400, 'invalid_stream_id'], [400, 'invalid_stream_id'], [400, 'unsupported_parameter'],
    ]);
    const unknownModel = await client.turn();
    assert.deepEqual([unknownModel[0]?.['status'], (unknownModel[0]?.['error'] as { code: string }).code], [404, 'model_not_found']);
    assert.equal(outputText(responseOf(last(await client.create({ model: TEST_MODEL, input: 'fine' })))), 'You said: fine');
    client.close();
  });

  void it('closes a socket that sends an oversized frame with 1009, without touching other connections', async () => {
    const other = await WsTestClient.connect(t.url);
    const offender = await WsTestClient.connect(t.url);
    offender.send({ type: 'response.create', model: TEST_MODEL, input: 'x'.repeat(8192) });
    assert.equal((await offender.closed).code, 1009);
    assert.equal(outputText(responseOf(last(await other.create({ model: TEST_MODEL, input: 'unaffected' })))), 'You said: unaffected');
    other.close();
  });

  void it('limits named lanes (websocket_stream_limit_reached) and queued requests (429 with retry-after)', async () => {
    const client = await WsTestClient.connect(t.url);
    await client.create({ model: TEST_MODEL, input: 'x', stream_id: 'a' });
    await client.create({ model: TEST_MODEL, input: 'x', stream_id: 'b' });
    const third = await client.create({ model: TEST_MODEL, input: 'x', stream_id: 'c' });
    assert.deepEqual([third[0]?.['status'], third[0]?.['stream_id'], (third[0]?.['error'] as { code: string }).code], [400, 'c', 'websocket_stream_limit_reached']);
    // The default lane does not count against the named-lane limit.
    assert.equal(responseOf(last(await client.create({ model: TEST_MODEL, input: 'x' }))).status, 'completed');

    // One running and two waiting on the default lane; the next one is refused.
    const mark = client.frames.length;
    for (let index = 0; index < 4; index += 1) client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 20' });
    const refused = await client.waitFor((frame) => frame['type'] === 'error', mark);
    assert.deepEqual([refused['status'], (refused['error'] as { code: string; headers: Record<string, string> }).code], [429, 'rate_limit_exceeded']);
    assert.deepEqual((refused['error'] as { headers: Record<string, string> }).headers, { 'retry-after': '1' });
    assert.match((refused['error'] as { message: string }).message, /try again in 1s/);
    const statuses: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const frames = await client.turn();
      statuses.push(String(last(frames)?.['type']));
    }
    assert.deepEqual(statuses.sort(), ['error', 'response.completed', 'response.completed', 'response.completed']);
    client.close();
  });
});

void describe('WebSocket connection age limit', () => {
  void it('refuses new creates with websocket_connection_limit_reached, lets in-flight ones finish, then closes with 1000', async () => {
    const t = await startTestServer({ websocket: { limits: { maxConnectionAgeMs: 300 } } });
    try {
      const client = await WsTestClient.connect(t.url);
      client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 200' });
      await new Promise((resolve) => setTimeout(resolve, 400));
      client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'late', stream_id: 'other' });
      const refused = await client.turn('other');
      assert.deepEqual(refused.map((frame) => JSON.stringify(frame)), [
        '{"type":"error","status":400,"stream_id":"other","error":{"type":"invalid_request_error","code":"websocket_connection_limit_reached","message":"Responses websocket connection limit reached (0 minutes). Create a new websocket connection to continue.","param":null}}',
      ]);
      assert.equal(responseOf(last(await client.turn())).status, 'completed');
      assert.equal((await client.closed).code, 1000);
    } finally {
      await t.server.close();
    }
  });
});

void describe('WebSocket close mid-stream', () => {
  void it('aborts the generation and frees its sequence', async () => {
    const t = await startTestServer({ engineOptions: { tokenDelayMs: 2 } });
    try {
      const client = await WsTestClient.connect(t.url);
      client.send({ type: 'response.create', model: TEST_MODEL, input: steps({ type: 'text', text: Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ') }) });
      await client.waitFor((frame) => frame['type'] === 'response.output_text.delta');
      assert.equal(t.engine.stats().activeSequences, 1);
      client.ws.terminate();
      await waitFor(() => t.engine.stats().activeSequences === 0);
      const id = responseOf(client.frames[0]).id;
      // A store:true response is kept, partial and interrupted, exactly as over HTTP.
      let stored = await t.client.responses.retrieve(id);
      while (stored.status === 'in_progress') {
        await new Promise((resolve) => setTimeout(resolve, 10));
        stored = await t.client.responses.retrieve(id);
      }
      assert.equal(stored.status, 'incomplete');
      assert.equal(stored.incomplete_details?.reason, 'interrupted');
      assert.ok(stored.output_text.split(' ').length < 2000);
    } finally {
      await t.server.close();
    }
  });
});
