// The loop guard over HTTP and WebSocket on a scripted engine that repeats a sentence.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { WsTestClient } from '../testing/ws-test-client.js';

const SENTENCE = 'Fix the bug in calc.py: add should add. ';
/** 60 copies of the sentence, streamed one word per token. */
const looping = JSON.stringify({ steps: [{ type: 'text', text: SENTENCE.repeat(60) }] });

describe('loop_guard', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  it('ends a looping response incomplete with reason repetition, keeping the partial output', async () => {
    const response = await t.client.responses.create({ model: TEST_MODEL, input: looping, loop_guard: true } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'repetition' });
    const text = response.output_text;
    assert.ok(text.startsWith(SENTENCE.repeat(4)), 'the partial output is kept');
    assert.ok(text.length < SENTENCE.length * 20, `stopped early: ${text.length} of ${SENTENCE.length * 60} characters`);
  });

  it('is off unless asked for: the same request runs to its end', async () => {
    const response = await t.client.responses.create({ model: TEST_MODEL, input: looping });
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, SENTENCE.repeat(60));
  });

  it('stops a looping stream over WebSocket with the reason in its terminal event', async () => {
    const ws = await WsTestClient.connect(t.url);
    try {
      const frames = await ws.create({ model: TEST_MODEL, input: looping, loop_guard: true, store: false });
      const terminal = frames.at(-1) as { type?: string; response?: { incomplete_details?: unknown } } | undefined;
      assert.equal(terminal?.type, 'response.incomplete');
      assert.deepEqual(terminal?.response?.incomplete_details, { reason: 'repetition' });
    } finally {
      ws.close();
    }
  });
});
