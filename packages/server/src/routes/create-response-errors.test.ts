import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { EngineError, type Engine, type EngineEvent, type GenerateRequest, type ScriptedEngine } from '@spark/engine';
import { errorOf, post, sseEvents } from '../testing/sse-frames.js';
import { startTestServer, TEST_MODEL, waitFor, type TestServer } from '../testing/test-server.js';

const MAX_BODY = 64 * 1024;

/** Fails on cue (by the last user text), otherwise plays the scripted engine. */
class FaultyEngine implements Engine {
  readonly name = 'faulty';
  constructor(private readonly inner: ScriptedEngine) {}
  listModels(): ReturnType<Engine['listModels']> { return this.inner.listModels(); }
  stats(): ReturnType<Engine['stats']> { return this.inner.stats(); }
  dispose(): Promise<void> { return this.inner.dispose(); }
  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    const last = request.conversation.at(-1);
    const text = last?.type === 'user' ? last.text : '';
    if (text === 'overload') throw new EngineError('overloaded', 'all sequences busy');
    if (text === 'internal') throw new EngineError('internal', 'secret detail');
    if (text === 'bad schema') throw new EngineError('invalid_request', 'The schema is not supported.', { param: 'text.format.schema' });
    if (text === 'fail midway') {
      return (async function* failing(): AsyncGenerator<EngineEvent> {
        yield { type: 'prompt', inputTokens: 2, cachedInputTokens: 0 };
        yield { type: 'text-delta', delta: 'partial' };
        throw new Error('kaput with secret');
      })();
    }
    return this.inner.generate(request);
  }
}

void describe('POST /v1/responses bad input', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ limits: { maxBodyBytes: MAX_BODY, maxConcurrentRequests: 2 }, wrapEngine: (engine) => new FaultyEngine(engine) });
  });
  after(async () => { await t.server.close(); });

  const cases: Array<{ name: string; body: unknown; status: number; code: string | null; param: string | null }> = [
    { name: 'invalid JSON', body: '{not json', status: 400, code: null, param: null },
    { name: 'empty body', body: '', status: 400, code: null, param: null },
    { name: 'a JSON array body', body: '[]', status: 400, code: 'invalid_type', param: 'body' },
    { name: 'wrong type', body: { model: TEST_MODEL, input: 'x', temperature: 'hot' }, status: 400, code: 'invalid_type', param: 'temperature' },
    { name: 'wrong nested type', body: { model: TEST_MODEL, input: [{ role: 'user', content: 5 }] }, status: 400, code: 'invalid_type', param: 'input[0].content' },
    { name: 'bad enum', body: { model: TEST_MODEL, input: 'x', truncation: 'sometimes' }, status: 400, code: 'invalid_value', param: 'truncation' },
    { name: 'bad nested enum', body: { model: TEST_MODEL, input: [{ type: 'message', role: 'robot', content: 'x' }] }, status: 400, code: 'invalid_value', param: 'input[0].role' },
    { name: 'bad tool type', body: { model: TEST_MODEL, input: 'x', tools: [{ type: 'bogus' }] }, status: 400, code: 'invalid_value', param: 'tools[0].type' },
    { name: 'missing model', body: { input: 'x' }, status: 400, code: 'missing_required_parameter', param: 'model' },
    { name: 'missing input', body: { model: TEST_MODEL }, status: 400, code: 'missing_required_parameter', param: 'input' },
    { name: 'missing call_id', body: { model: TEST_MODEL, input: [{ type: 'function_call_output', output: 'x' }] }, status: 400, code: 'missing_required_parameter', param: 'input[0].call_id' },
    { name: 'unknown model', body: { model: 'no-such-model', input: 'x' }, status: 404, code: 'model_not_found', param: 'model' },
    { name: 'unknown previous_response_id', body: { model: TEST_MODEL, input: 'x', previous_response_id: 'resp_missing' }, status: 400, code: 'previous_response_not_found', param: 'previous_response_id' },
    { name: 'unknown input item type', body: { model: TEST_MODEL, input: [{ type: 'bogus_item' }] }, status: 400, code: 'invalid_value', param: 'input[0].type' },
    { name: 'unknown item_reference', body: { model: TEST_MODEL, input: [{ type: 'item_reference', id: 'msg_nope' }] }, status: 400, code: 'invalid_value', param: 'input[0].id' },
    { name: 'unmatched function_call_output', body: { model: TEST_MODEL, input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] }, status: 400, code: null, param: 'input' },
    { name: 'forced unknown tool', body: { model: TEST_MODEL, input: 'x', tool_choice: { type: 'function', name: 'nope' } }, status: 400, code: 'invalid_value', param: 'tool_choice' },
    { name: 'forced hosted tool', body: { model: TEST_MODEL, input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search_preview' } }, status: 400, code: 'invalid_value', param: 'tool_choice' },
    { name: 'duplicate tool names', body: { model: TEST_MODEL, input: 'x', tools: [{ type: 'function', name: 'a' }, { type: 'custom', name: 'a' }] }, status: 400, code: 'invalid_value', param: 'tools[1].name' },
    { name: 'background', body: { model: TEST_MODEL, input: 'x', background: true }, status: 400, code: 'unsupported_parameter', param: 'background' },
    { name: 'context overflow', body: { model: TEST_MODEL, input: 'word '.repeat(5000) }, status: 400, code: 'context_length_exceeded', param: 'input' },
    { name: 'engine invalid_request', body: { model: TEST_MODEL, input: 'bad schema' }, status: 400, code: 'invalid_value', param: 'text.format.schema' },
    { name: 'engine internal error', body: { model: TEST_MODEL, input: 'internal' }, status: 500, code: 'server_error', param: null },
  ];

  for (const { name, body, status, code, param } of cases) {
    for (const stream of [false, true]) {
      void it(`${name}${stream ? ' (stream)' : ''} -> ${status} ${code ?? ''}`, async () => {
        const payload = stream && typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, stream: true } : body;
        const res = await post(`${t.url}/v1/responses`, payload);
        assert.equal(res.status, status);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
        const error = errorOf(res.json());
        assert.equal(error.code, code);
        assert.equal(error.param, param);
        assert.equal(error.type, status >= 500 ? 'server_error' : 'invalid_request_error');
        assert.equal(typeof error.message, 'string');
        assert.doesNotMatch(error.message, /secret/);
      });
    }
  }

  void it('surfaces the errors through the SDK error classes', async () => {
    await assert.rejects(t.client.responses.create({ model: 'no-such-model', input: 'x' }), (error: unknown) =>
      error instanceof OpenAI.NotFoundError && error.code === 'model_not_found' && error.param === 'model');
    await assert.rejects(t.client.responses.create({ model: TEST_MODEL, input: 'x', previous_response_id: 'resp_missing', stream: true }), (error: unknown) =>
      error instanceof OpenAI.BadRequestError && error.code === 'previous_response_not_found' && error.param === 'previous_response_id');
    await assert.rejects(t.client.responses.create({ model: TEST_MODEL, input: 'x', temperature: 'hot' as unknown as number }), (error: unknown) =>
      error instanceof OpenAI.BadRequestError && error.code === 'invalid_type' && error.param === 'temperature');
  });

  void it('answers 429 with retry-after and "try again in Ns" when the engine is overloaded', async () => {
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'overload' });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    const error = errorOf(res.json());
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.match(error.message, /try again in 1s/);
  });

  void it('queues a request beyond maxConcurrentRequests generations in flight (no 429) and serves it once a slot frees', async () => {
    const ids: string[] = [];
    const streams = await Promise.all([1, 2].map(() => t.client.responses.create({ model: TEST_MODEL, input: 'slow 1000', stream: true })));
    const drained = streams.map(async (stream) => {
      let last = '';
      for await (const event of stream) {
        if (event.type === 'response.created') ids.push(event.response.id);
        last = event.type;
      }
      return last;
    });
    await waitFor(() => ids.length === 2 && t.engine.stats().activeSequences === 2);
    const queued = post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x' });
    const metrics = async (): Promise<string> => (await fetch(`${t.url}/metrics`)).text();
    let scraped = '';
    while (!/spark_queued_requests 1\n/.test(scraped)) scraped = await metrics();
    assert.match(scraped, /spark_inflight_responses 2\n/);
    assert.equal(t.engine.requests.at(-1)?.conversation.at(-1)?.type === 'user' && (t.engine.requests.at(-1)?.conversation.at(-1) as { text: string }).text, 'slow 1000');
    for (const id of ids) assert.equal((await t.client.responses.cancel(id)).status, 'cancelled');
    assert.deepEqual(await Promise.all(drained), ['response.incomplete', 'response.incomplete']);
    const res = await queued;
    assert.equal(res.status, 200);
    assert.equal((res.json() as { status: string }).status, 'completed');
    assert.match(await metrics(), /spark_queued_requests 0\n/);
  });

  void it('turns an engine failure after the start into response.failed (stream) or a 500 (JSON)', async () => {
    const streamed = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'fail midway', stream: true });
    assert.equal(streamed.status, 200);
    const events = sseEvents(streamed.text);
    const last = events.at(-1) as { type: string; response: { status: string; error: { code: string; message: string } } };
    assert.equal(last.type, 'response.failed');
    assert.equal(last.response.status, 'failed');
    assert.equal(last.response.error.code, 'server_error');
    assert.doesNotMatch(last.response.error.message, /secret/);
    assert.ok(!events.some((event) => 'error' in event && event['type'] !== 'response.failed' && event['error']));
    const plain = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'fail midway' });
    assert.equal(plain.status, 500);
    assert.equal(errorOf(plain.json()).code, 'server_error');
    assert.ok(t.logged.some((line) => line.includes('engine failed')));
  });

  void it('answers 413 for a declared oversized body without reading it', async () => {
    const res = await post(`${t.url}/v1/responses`, JSON.stringify({ model: TEST_MODEL, input: 'x'.repeat(MAX_BODY) }));
    assert.equal(res.status, 413);
    assert.equal(errorOf(res.json()).code, 'request_too_large');
  });

  void it('answers 413 for a chunked body that grows past the limit, and discards the rest of it', async () => {
    const { status, body, connection } = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(`${t.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.write(`{"model":"${TEST_MODEL}","input":"`);
      req.write('y'.repeat(MAX_BODY));
      req.end('"}');
    });
    assert.equal(status, 413);
    // The rest of the body was read and discarded, so the connection stays usable.
    assert.notEqual(connection, 'close');
    assert.equal(errorOf(JSON.parse(body)).code, 'request_too_large');
  });

  void it('answers unknown routes with a 404 JSON error and wrong methods with 405', async () => {
    const missing = await fetch(`${t.url}/v1/nothing-here`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('x-request-id') ?? '', /^req_/);
    assert.equal(typeof errorOf(await missing.json()).message, 'string');
    const wrong = await fetch(`${t.url}/v1/responses`, { method: 'PUT' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST, GET');
    const plainGet = await fetch(`${t.url}/v1/responses`);
    assert.equal(plainGet.status, 405);
    assert.equal(plainGet.headers.get('allow'), 'POST');
    assert.equal(typeof errorOf(await wrong.json()).message, 'string');
    const wrongGet = await fetch(`${t.url}/v1/models`, { method: 'POST' });
    assert.equal(wrongGet.status, 405);
  });

  void it('hands a WebSocket upgrade on /v1/responses to the WebSocket mode (101; 426 when disabled: see websocket/ws-upgrade.test.ts)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${t.url}/v1/responses`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 101);
  });

  void it('keeps serving others during and after bad input', async () => {
    const streaming = t.client.responses.create({ model: TEST_MODEL, input: 'slow 30' });
    await waitFor(() => t.engine.stats().activeSequences === 1);
    for (const body of ['{oops', JSON.stringify({ model: 'nope', input: 'x' }), JSON.stringify({ model: TEST_MODEL })]) {
      assert.ok((await post(`${t.url}/v1/responses`, body)).status >= 400);
    }
    const done = await streaming;
    assert.equal(done.status, 'completed');
    assert.equal(done.output_text.split(' ').length, 30);
    const next = await t.client.responses.create({ model: TEST_MODEL, input: 'still here' });
    assert.equal(next.output_text, 'You said: still here');
  });

  void it('accepts a missing input when previous_response_id is given', async () => {
    const first = await t.client.responses.create({ model: TEST_MODEL, input: 'hello' });
    const second = await t.client.responses.create({ model: TEST_MODEL, previous_response_id: first.id });
    assert.equal(second.status, 'completed');
  });

  void it('resolves an item_reference to a stored item', async () => {
    const first = await t.client.responses.create({ model: TEST_MODEL, input: 'remember me' });
    const messageId = first.output[0]?.id ?? '';
    const second = await t.client.responses.create({ model: TEST_MODEL, input: [{ type: 'item_reference', id: messageId }, { role: 'user', content: 'and?' }] });
    assert.equal(second.status, 'completed');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, [
      { type: 'assistant', text: 'You said: remember me' },
      { type: 'user', text: 'and?' },
    ]);
  });

  void it('cannot chain from a store:false response over HTTP', async () => {
    const unstored = await t.client.responses.create({ model: TEST_MODEL, input: 'x', store: false });
    await assert.rejects(t.client.responses.create({ model: TEST_MODEL, input: 'y', previous_response_id: unstored.id }), (error: unknown) =>
      error instanceof OpenAI.BadRequestError && error.code === 'previous_response_not_found');
  });
});
