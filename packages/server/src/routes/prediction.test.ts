import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, post } from '../testing/sse-frames.js';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { responseOf, WsTestClient } from '../testing/ws-test-client.js';

interface WireUsage { output_tokens_details: { reasoning_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number } }

const PREDICTION = { type: 'content', content: 'You said: rename the thing' };

void describe('prediction (Predicted Outputs) over HTTP and WebSocket', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('passes the predicted text to the engine and reports prediction tokens in usage over HTTP', async () => {
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'rename the other thing', prediction: PREDICTION, store: false });
    assert.equal(res.status, 200);
    assert.equal(t.engine.requests.at(-1)?.prediction, 'You said: rename the thing');
    const usage = (res.json() as { usage: WireUsage }).usage;
    // Every chunk of the prediction appears in "You said: rename the other thing", in order.
    assert.deepEqual(usage.output_tokens_details, { reasoning_tokens: 0, accepted_prediction_tokens: 5, rejected_prediction_tokens: 0 });
  });

  void it('joins text parts and reports zero counts without a prediction', async () => {
    await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x', store: false, prediction: { type: 'content', content: [{ type: 'text', text: 'You ' }, { type: 'text', text: 'said' }] } });
    assert.equal(t.engine.requests.at(-1)?.prediction, 'You said');
    const plain = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x', store: false });
    assert.equal(t.engine.requests.at(-1)?.prediction, undefined);
    assert.deepEqual((plain.json() as { usage: WireUsage }).usage.output_tokens_details, { reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 });
  });

  void it('answers bad prediction values with spec-shaped 400 errors over HTTP', async () => {
    const cases: Array<[unknown, string, string]> = [
      ['text', 'prediction', 'invalid_type'],
      [{ type: 'file', content: 'x' }, 'prediction.type', 'invalid_value'],
      [{ type: 'content' }, 'prediction.content', 'missing_required_parameter'],
      [{ type: 'content', content: [{ type: 'text', text: 1 }] }, 'prediction.content[0].text', 'invalid_type'],
    ];
    for (const [prediction, param, code] of cases) {
      const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x', prediction });
      assert.equal(res.status, 400, param);
      assert.deepEqual({ ...errorOf(res.json()), message: '' }, { type: 'invalid_request_error', param, code, message: '' });
    }
  });

  void it('accepts a prediction in a WebSocket response.create and reports it in usage', async () => {
    const client = await WsTestClient.connect(t.url);
    try {
      const frames = await client.create({ model: TEST_MODEL, input: 'rename the thing', prediction: PREDICTION, store: false });
      const done = frames.at(-1);
      assert.equal(done?.['type'], 'response.completed');
      assert.equal(t.engine.requests.at(-1)?.prediction, 'You said: rename the thing');
      const usage = (done?.['response'] as { usage: WireUsage }).usage;
      assert.deepEqual(usage.output_tokens_details, { reasoning_tokens: 0, accepted_prediction_tokens: 5, rejected_prediction_tokens: 0 });
      assert.equal(responseOf(done).status, 'completed');

      const bad = await client.create({ model: TEST_MODEL, input: 'x', prediction: { type: 'content', content: 7 } });
      assert.equal(bad.at(-1)?.['type'], 'error');
      assert.deepEqual(bad.at(-1)?.['status'], 400);
      const error = bad.at(-1)?.['error'] as { param: string; code: string };
      assert.deepEqual([error.param, error.code], ['prediction.content', 'invalid_type']);
    } finally {
      client.close();
    }
  });
});
