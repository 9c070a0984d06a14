// The `priority` extension over HTTP and WebSocket: passed to the engine, bad values refused in the API's shape.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, post } from '../testing/sse-frames.js';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { WsTestClient } from '../testing/ws-test-client.js';

void describe('priority (Spark extension) over HTTP and WebSocket', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('passes foreground and background to the engine, and nothing when absent', async () => {
    for (const priority of ['background', 'foreground'] as const) {
      const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x', priority, store: false });
      assert.equal(res.status, 200);
      assert.equal(t.engine.requests.at(-1)?.priority, priority);
    }
    await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x', store: false });
    assert.equal(t.engine.requests.at(-1)?.priority, undefined, 'absent: the engine applies its default (foreground)');
  });

  void it('answers bad values with spec-shaped 400 errors over HTTP', async () => {
    // Anything but the two names is a value outside the enum, as OpenAI reports `service_tier`'s.
    for (const priority of ['urgent', 'Background', '', 1, { level: 'background' }]) {
      const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x', priority });
      assert.equal(res.status, 400, JSON.stringify(priority));
      assert.deepEqual({ ...errorOf(res.json()), message: '' }, { type: 'invalid_request_error', param: 'priority', code: 'invalid_value', message: '' });
    }
  });

  void it('takes priority on a lane of a WebSocket and refuses a bad one with an error frame, the socket kept', async () => {
    const client = await WsTestClient.connect(t.url);
    try {
      const frames = await client.create({ model: TEST_MODEL, input: 'x', priority: 'background', stream_id: 'bg-1', store: false });
      assert.equal(frames.at(-1)?.['type'], 'response.completed');
      assert.equal(t.engine.requests.at(-1)?.priority, 'background');

      const bad = await client.create({ model: TEST_MODEL, input: 'x', priority: 'low', stream_id: 'bg-1' });
      const error = bad.at(-1);
      assert.equal(error?.['type'], 'error');
      assert.equal(error?.['status'], 400);
      assert.equal(error?.['stream_id'], 'bg-1');
      assert.deepEqual({ ...(error?.['error'] as object), message: '' }, { type: 'invalid_request_error', param: 'priority', code: 'invalid_value', message: '' });

      const again = await client.create({ model: TEST_MODEL, input: 'x', store: false });
      assert.equal(again.at(-1)?.['type'], 'response.completed', 'the socket still serves');
    } finally {
      client.close();
    }
  });
});
