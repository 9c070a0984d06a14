// Predicted outputs end to end on the real engine (SmolLM2): `prediction` over HTTP and
// WebSocket leaves the greedy output as it was, and usage reports the prediction tokens.
// The engine verifies only batches that compute bit for bit like one-token steps, so equal
// output holds on any CPU; how many prediction tokens it accepts depends on how long those
// batches are on this CPU's kernels, and is checked only where they are long.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { longExactBatches } from '@spark/engine-llama/testing';
import { startServer, type RunningServer } from '@spark/server';
import { WsTestClient, type Frame } from '@spark/server/testing';

const MODEL = 'smollm2-135m';
const INPUT = 'List the days of the week, one per line, then the months of the year, one per line.';

interface Usage { output_tokens: number; output_tokens_details: { reasoning_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number } }
interface Body { status: string; output: Array<{ type: string; content?: Array<{ text: string }> }>; usage: Usage; error?: { code: string; param: string; type: string } }

const textOf = (body: Body): string => body.output.flatMap((item) => item.content ?? []).map((part) => part.text).join('');

describe('prediction on the real engine over HTTP and WebSocket', () => {
  let engine: LlamaEngine;
  let server: RunningServer;
  let plain: Body;

  async function create(body: Record<string, unknown>): Promise<{ status: number; body: Body }> {
    const response = await fetch(`${server.url}/v1/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: INPUT, temperature: 0, max_output_tokens: 96, store: false, ...body }),
    });
    return { status: response.status, body: (await response.json()) as Body };
  }

  before(async () => {
    const local = await resolveModel(MODEL, { pull: true });
    // Every request prefills cold, so speculation is the only difference between runs.
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: local.path }], contextSize: 2048, sequences: 2, prefixReuse: false, speculationTolerance: 0 });
    server = await startServer({ engine, port: 0, dbPath: ':memory:' });
    plain = (await create({})).body;
    assert.equal(plain.status, 'incomplete');
  });

  after(async () => {
    await server.close();
    await engine.dispose();
  });

  const longBatches = (t: TestContext): boolean => longExactBatches(engine, MODEL, t, 'most prediction tokens accepted');

  it('keeps the output and reports accepted prediction tokens over HTTP', async (t) => {
    assert.deepEqual(plain.usage.output_tokens_details, { reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 });
    const predicted = await create({ prediction: { type: 'content', content: [{ type: 'text', text: textOf(plain) }] } });
    assert.equal(predicted.status, 200);
    assert.equal(textOf(predicted.body), textOf(plain));
    const details = predicted.body.usage.output_tokens_details;
    assert.ok(details.accepted_prediction_tokens < predicted.body.usage.output_tokens);
    if (longBatches(t)) assert.ok(details.accepted_prediction_tokens > plain.usage.output_tokens / 2, JSON.stringify(details));
  });

  it('answers a bad prediction with a spec-shaped error over HTTP', async () => {
    const bad = await create({ prediction: { type: 'text', content: 'x' } });
    assert.equal(bad.status, 400);
    assert.deepEqual({ ...bad.body.error }, { ...bad.body.error, type: 'invalid_request_error', code: 'invalid_value', param: 'prediction.type' });
  });

  it('keeps the output and reports prediction tokens over WebSocket, and rejects bad values there too', async (t) => {
    const client = await WsTestClient.connect(server.url);
    try {
      const frames = await client.create({ model: MODEL, input: INPUT, temperature: 0, max_output_tokens: 96, store: false, prediction: { type: 'content', content: textOf(plain) } });
      const done = frames.at(-1) as Frame;
      assert.equal(done['type'], 'response.incomplete');
      const response = done['response'] as Body;
      assert.equal(textOf(response), textOf(plain));
      if (longBatches(t)) assert.ok(response.usage.output_tokens_details.accepted_prediction_tokens > plain.usage.output_tokens / 2, JSON.stringify(response.usage));
      const bad = await client.create({ model: MODEL, input: INPUT, prediction: { type: 'content' } });
      const error = bad.at(-1) as Frame;
      assert.equal(error['type'], 'error');
      const body = error['error'] as { code: string; param: string };
      assert.deepEqual([error['status'], body.code, body.param], [400, 'missing_required_parameter', 'prediction.content']);
    } finally {
      client.close();
    }
  });
});
