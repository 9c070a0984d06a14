import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ScriptedEngine } from '@spark/engine';
import { startServer } from './start-server.js';
import { errorOf, post } from './testing/sse-frames.js';
import { startTestServer, TEST_MODEL, type TestServer } from './testing/test-server.js';

void describe('startServer binding', () => {
  void it('refuses a non-loopback host without API keys, with a clear error', async () => {
    const engine = new ScriptedEngine();
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      await assert.rejects(startServer({ engine, host, port: 0, dbPath: ':memory:' }), /Refusing to listen on .* without an API key/);
      await assert.rejects(startServer({ engine, host, port: 0, dbPath: ':memory:', apiKeys: [''] }), /without an API key/);
    }
  });

  void it('binds 127.0.0.1 by default and reports its url and port', async () => {
    const server = await startServer({ engine: new ScriptedEngine(), port: 0, dbPath: ':memory:', logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    try {
      assert.equal(server.host, '127.0.0.1');
      assert.ok(server.port > 0);
      assert.equal(server.url, `http://127.0.0.1:${server.port}`);
      assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
    } finally {
      await server.close();
    }
  });

  void it('rejects bad limits and ports before listening', async () => {
    await assert.rejects(startServer({ engine: new ScriptedEngine(), port: 70_000, dbPath: ':memory:' }), /Invalid port/);
    await assert.rejects(startServer({ engine: new ScriptedEngine(), port: 0, dbPath: ':memory:', limits: { maxBodyBytes: 0 } }), /maxBodyBytes/);
  });
});

void describe('auth with apiKeys', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ apiKeys: ['sk-one', 'sk-two'] }); });
  after(async () => { await t.server.close(); });

  void it('requires Authorization: Bearer <key> on every /v1 route', async () => {
    const routes: Array<[string, string]> = [['POST', '/v1/responses'], ['GET', '/v1/models'], ['GET', '/v1/responses/resp_x'], ['GET', '/v1/nothing']];
    for (const [method, path] of routes) {
      for (const authorization of [undefined, 'Bearer wrong', 'sk-one', 'Basic sk-one']) {
        const res = await fetch(`${t.url}${path}`, { method, headers: authorization ? { authorization } : {}, ...(method === 'POST' ? { body: '{}' } : {}) });
        assert.equal(res.status, 401, `${method} ${path} ${authorization}`);
        assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
        const error = errorOf(await res.json());
        assert.equal(error.code, 'invalid_api_key');
        assert.equal(error.type, 'invalid_request_error');
      }
    }
    const wrong = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'nope', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError);
  });

  void it('accepts any configured key', async () => {
    for (const key of ['sk-one', 'sk-two']) {
      const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: key, maxRetries: 0 });
      const response = await client.responses.create({ model: TEST_MODEL, input: 'authorized' });
      assert.equal(response.output_text, 'You said: authorized');
    }
  });

  void it('leaves /healthz open', async () => {
    const res = await fetch(`${t.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});

void describe('models, health and metrics', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ engineOptions: { models: [TEST_MODEL, 'other'] } }); });
  after(async () => { await t.server.close(); });

  void it('lists and retrieves models', async () => {
    const models = [];
    for await (const model of t.client.models.list()) models.push(model);
    assert.deepEqual(models.map((model) => ({ ...model })), [
      { id: TEST_MODEL, object: 'model', created: 0, owned_by: 'spark', context_window: 4096, max_model_len: 4096 },
      { id: 'other', object: 'model', created: 0, owned_by: 'spark', context_window: 4096, max_model_len: 4096 },
    ]);
    const one = await t.client.models.retrieve('other');
    assert.equal(one.id, 'other');
    await assert.rejects(t.client.models.retrieve('missing'), (error: unknown) => error instanceof OpenAI.NotFoundError && error.code === 'model_not_found');
  });

  void it('exposes Prometheus metrics: requests by route and status, TTFT, tokens/s, sequences, KV reuse, in-flight', async () => {
    await t.client.responses.create({ model: TEST_MODEL, input: 'count me' });
    await post(`${t.url}/v1/responses`, '{bad');
    const res = await fetch(`${t.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /spark_http_requests_total\{method="POST",route="\/v1\/responses",status="200"\} 1\n/);
    assert.match(text, /spark_http_requests_total\{method="POST",route="\/v1\/responses",status="400"\} 1\n/);
    assert.match(text, /# TYPE spark_time_to_first_token_seconds histogram\n/);
    assert.match(text, /spark_time_to_first_token_seconds_count 1\n/);
    assert.match(text, /spark_output_tokens_per_second_count 1\n/);
    assert.match(text, /spark_active_sequences 0\n/);
    assert.match(text, /spark_kv_reuse_hits_total 0\n/);
    assert.match(text, /spark_kv_reuse_misses_total 0\n/);
    assert.match(text, /spark_inflight_responses 0\n/);
  });

  void it('sets x-request-id on every answer, unique per request', async () => {
    const ids = new Set<string>();
    for (const path of ['/healthz', '/metrics', '/v1/models', '/nowhere']) {
      const res = await fetch(`${t.url}${path}`);
      await res.arrayBuffer();
      ids.add(res.headers.get('x-request-id') ?? '');
    }
    assert.equal(ids.size, 4);
    assert.ok([...ids].every((id) => id.startsWith('req_')));
  });
});

void describe('close()', () => {
  void it('ends in-flight responses as incomplete and answers their clients before closing', async () => {
    const t = await startTestServer();
    const streamed = await t.client.responses.create({ model: TEST_MODEL, input: 'slow 5000', stream: true });
    const plain = t.client.responses.create({ model: TEST_MODEL, input: 'slow 5000' });
    let last = '';
    const drained = (async () => { for await (const event of streamed) last = event.type; })();
    while (t.engine.stats().activeSequences < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await t.server.close();
    await drained;
    assert.equal(last, 'response.incomplete');
    assert.equal((await plain).status, 'incomplete');
    await t.server.close();
  });
});
