import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, steps, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { outputText, responseOf, WsTestClient, type Frame } from '../testing/ws-test-client.js';

const last = (frames: Frame[]): Frame | undefined => frames.at(-1);

async function startSlow(client: WsTestClient, body: Record<string, unknown> = {}): Promise<string> {
  const mark = client.frames.length;
  client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 500', ...body });
  const lane = body['stream_id'];
  const id = responseOf(await client.waitFor((frame) => frame['type'] === 'response.created' && frame['stream_id'] === lane, mark)).id;
  let deltas = 0;
  await client.waitFor((frame) => frame['type'] === 'response.output_text.delta' && frame['stream_id'] === lane && ++deltas >= 3, mark);
  return id;
}

void describe('response.steer', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('stops the response at the next token (incomplete, reason steered) and continues in a successor with the steering input', async () => {
    const client = await WsTestClient.connect(t.url);
    const id = await startSlow(client, { stream_id: 'main' });
    client.send({ type: 'response.steer', previous_response_id: id, input: 'Also mention the year.' });
    const steered = await client.turn('main');
    const accepted = steered.find((frame) => frame['type'] === 'response.steer.accepted');
    assert.ok(accepted);
    assert.deepEqual(Object.keys(accepted), ['type', 'sequence_number', 'steer', 'stream_id']);
    const steer = accepted['steer'] as { id: string; previous_response_id: string };
    assert.match(steer.id, /^steer_/);
    assert.equal(steer.previous_response_id, id);
    // Steer events take numbers in the steered response's sequence.
    assert.deepEqual(steered.map((frame) => frame['sequence_number']), steered.map((_, index) => index));
    const end = responseOf(last(steered));
    assert.deepEqual([last(steered)?.['type'], end.status, end.incomplete_details?.reason], ['response.incomplete', 'incomplete', 'steered']);
    const partial = outputText(end);
    assert.ok(partial.length > 0 && partial.split(' ').length < 500, 'the partial output is kept');

    const successor = await client.turn('main');
    assert.equal(successor[0]?.['type'], 'response.created');
    const next = responseOf(last(successor));
    assert.notEqual(next.id, id);
    assert.equal(next.previous_response_id, id);
    assert.equal(next.status, 'completed');
    assert.equal(outputText(next), 'You said: Also mention the year.');
    // The engine continued the aborted generation's state with only the steering message.
    const request = t.engine.requests.at(-1);
    assert.deepEqual(request?.conversation, [{ type: 'user', text: 'Also mention the year.' }]);
    const covered = (request?.continueFrom?.data as { conversation: Array<{ type: string; text?: string }> }).conversation;
    assert.deepEqual(covered.at(-1), { type: 'assistant', text: partial });
    client.close();
  });

  void it('fails for finished, unknown and invalid targets, echoing the input', async () => {
    const client = await WsTestClient.connect(t.url);
    const done = responseOf(last(await client.create({ model: TEST_MODEL, store: false, input: 'quick' })));
    client.send({ type: 'response.steer', previous_response_id: done.id, input: 'too late' });
    client.send({ type: 'response.steer', previous_response_id: 'resp_unknown', input: [{ role: 'user', content: 'hi' }] });
    client.send({ type: 'response.steer', previous_response_id: done.id, input: [{ role: 'assistant', content: 'no' }] });
    const failed: Frame[] = [];
    for (let index = 0; index < 3; index += 1) failed.push(await client.waitFor((frame) => frame['type'] === 'response.steer.failed' && !failed.includes(frame)));
    assert.equal(JSON.stringify(failed[0]), JSON.stringify({
      type: 'response.steer.failed', sequence_number: 0,
      steer: { previous_response_id: done.id, input: 'too late' },
      error: { type: 'invalid_request_error', code: 'response_already_completed', message: 'The response already completed and no longer accepts steering input; send a response.create that continues it.' },
    }));
    assert.equal((failed[1]?.['error'] as { code: string }).code, 'response_not_found');
    assert.deepEqual((failed[1]?.['steer'] as { input: unknown }).input, [{ role: 'user', content: 'hi' }]);
    assert.equal((failed[2]?.['error'] as { code: string }).code, 'invalid_input');
    // No error frames, and the socket keeps working.
    assert.equal(client.frames.filter((frame) => frame['type'] === 'error').length, 0);
    assert.equal(responseOf(last(await client.create({ model: TEST_MODEL, store: false, input: 'after' }))).status, 'completed');
    client.close();
  });

  void it('waits for client tool output when the steered response has a tool call: pending, then prepends the steering input', async () => {
    const client = await WsTestClient.connect(t.url);
    client.send({
      type: 'response.create', model: TEST_MODEL, store: false,
      input: steps({ type: 'tool_call', name: 'lookup', arguments: '{"q":"x"}' }, { type: 'delay', ms: 5000 }, { type: 'text', text: 'never' }),
    });
    const created = await client.waitFor((frame) => frame['type'] === 'response.created');
    const id = responseOf(created).id;
    const callDone = await client.waitFor((frame) => frame['type'] === 'response.output_item.done');
    const callId = (callDone['item'] as { call_id: string }).call_id;
    client.send({ type: 'response.steer', previous_response_id: id, input: 'Use the cache.' });
    const steered = await client.turn();
    assert.equal(responseOf(last(steered)).incomplete_details?.reason, 'steered');
    const pending = await client.waitFor((frame) => frame['type'] === 'response.steer.pending');
    const steerId = ((steered.find((frame) => frame['type'] === 'response.steer.accepted')?.['steer']) as { id: string }).id;
    assert.deepEqual(pending, {
      type: 'response.steer.pending', sequence_number: pending['sequence_number'],
      steer: { id: steerId, previous_response_id: id },
      reason: 'waiting_for_required_input',
      required_input: [{ type: 'function_call_output', call_id: callId, name: 'lookup' }],
    });
    const next = await client.create({ model: TEST_MODEL, store: false, previous_response_id: id, input: [{ type: 'function_call_output', call_id: callId, output: 'cached' }] });
    assert.equal(outputText(responseOf(last(next))), 'Result: cached');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, [{ type: 'user', text: 'Use the cache.' }, { type: 'tool_result', callId, output: 'cached' }]);
    client.close();
  });
});

void describe('response.cancel (Spark extension)', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('stops a response without closing the socket: response.incomplete with status cancelled', async () => {
    const client = await WsTestClient.connect(t.url);
    const id = await startSlow(client);
    client.send({ type: 'response.cancel', response_id: id });
    const frames = await client.turn();
    const end = responseOf(last(frames));
    assert.deepEqual([last(frames)?.['type'], end.status], ['response.incomplete', 'cancelled']);
    assert.equal(t.engine.stats().activeSequences, 0);
    // A finished response is left as is; an unknown id is a 404 error frame; the socket stays usable.
    client.send({ type: 'response.cancel', response_id: id });
    client.send({ type: 'response.cancel', response_id: 'resp_nope' });
    const [notFound] = await client.turn();
    assert.equal(JSON.stringify(notFound), JSON.stringify({
      type: 'error', status: 404,
      error: { type: 'invalid_request_error', code: 'response_not_found', message: "No response with id 'resp_nope' on this connection.", param: 'response_id' },
    }));
    // A cancelled response can still be continued.
    const next = await client.create({ model: TEST_MODEL, store: false, previous_response_id: id, input: 'go on' });
    assert.equal(outputText(responseOf(last(next))), 'You said: go on');
    client.close();
  });
});
