import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, TEST_MODEL, type TestServer } from '../testing/test-server.js';
import { outputText, responseOf, WsTestClient, type Frame } from '../testing/ws-test-client.js';
import { LaneQueue } from './lane-queue.js';

const last = (frames: Frame[]): Frame | undefined => frames.at(-1);
const isDelta = (frame: Frame): boolean => frame['type'] === 'response.output_text.delta';

void describe('LaneQueue', () => {
  void it('runs a lane first-in-first-out without overlap and survives a failing job', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const lane = new LaneQueue<string>(async (job) => {
      log.push(`start ${job}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (job === 'b') throw new Error('boom');
      log.push(`end ${job}`);
    }, (error) => errors.push(error));
    for (const job of ['a', 'b', 'c']) lane.push(job);
    assert.equal(lane.waiting, 2);
    while (lane.busy) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'start c', 'end c']);
    assert.equal(errors.length, 1);
  });
});

void describe('WebSocket lanes (stream_id)', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('runs two lanes at once: their events interleave, each tagged with its stream_id; default-lane events carry none', async () => {
    const client = await WsTestClient.connect(t.url);
    client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 15', stream_id: 'a' });
    client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 15', stream_id: 'b' });
    client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 15' });
    const [a, b, main] = await Promise.all([client.turn('a'), client.turn('b'), client.turn()]);
    for (const [frames, lane] of [[a, 'a'], [b, 'b']] as const) {
      assert.equal(responseOf(last(frames)).status, 'completed');
      assert.equal(outputText(responseOf(last(frames))).split(' ').length, 15);
      assert.ok(frames.every((frame) => frame['stream_id'] === lane));
      // sequence_number counts per response.
      assert.deepEqual(frames.map((frame) => frame['sequence_number']), frames.map((_, index) => index));
    }
    assert.ok(main.every((frame) => !('stream_id' in frame)));
    const firstOf = (lane: string): number => client.frames.findIndex((frame) => frame['stream_id'] === lane && isDelta(frame));
    const lastOf = (lane: string): number => client.frames.findLastIndex((frame) => frame['stream_id'] === lane && isDelta(frame));
    assert.ok(firstOf('b') < lastOf('a') && firstOf('a') < lastOf('b'), 'the two lanes generated at the same time');
    client.close();
  });

  void it('queues a same-lane continuation of a response still in progress (FIFO) and runs it after', async () => {
    const client = await WsTestClient.connect(t.url);
    client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 10' });
    const created = await client.waitFor((frame) => frame['type'] === 'response.created');
    const id = responseOf(created).id;
    client.send({ type: 'response.create', model: TEST_MODEL, store: false, previous_response_id: id, input: 'next' });
    assert.equal(responseOf(last(await client.turn())).status, 'completed');
    const second = await client.turn();
    assert.equal(responseOf(second[0]).previous_response_id, id);
    assert.equal(outputText(responseOf(last(second))), 'You said: next');
    assert.ok(t.engine.requests.at(-1)?.continueFrom);
    client.close();
  });

  void it('makes a cross-lane continuation of a running response wait for it, then fork from its state', async () => {
    const client = await WsTestClient.connect(t.url);
    client.send({ type: 'response.create', model: TEST_MODEL, store: false, input: 'slow 10', stream_id: 'x' });
    const id = responseOf(await client.waitFor((frame) => frame['type'] === 'response.created' && frame['stream_id'] === 'x')).id;
    client.send({ type: 'response.create', model: TEST_MODEL, store: false, previous_response_id: id, input: 'forked', stream_id: 'y' });
    const y = await client.turn('y');
    const xDone = client.frames.findIndex((frame) => frame['stream_id'] === 'x' && frame['type'] === 'response.completed');
    const yCreated = client.frames.findIndex((frame) => frame['stream_id'] === 'y' && frame['type'] === 'response.created');
    assert.ok(xDone >= 0 && xDone < yCreated);
    assert.equal(outputText(responseOf(last(y))), 'You said: forked');
    client.close();
  });

  void it("forks: a new lane continuing another lane's response gets that response's state as continueFrom", async () => {
    const client = await WsTestClient.connect(t.url);
    const source = responseOf(last(await client.create({ model: TEST_MODEL, store: false, input: 'base', stream_id: 'main' })));
    const fork = await client.create({ model: TEST_MODEL, store: false, previous_response_id: source.id, input: 'branch', stream_id: 'alt' });
    assert.ok(fork.every((frame) => frame['stream_id'] === 'alt'));
    assert.equal(responseOf(fork[0]).previous_response_id, source.id);
    const request = t.engine.requests.at(-1);
    assert.deepEqual((request?.continueFrom?.data as { conversation: unknown }).conversation, [
      { type: 'user', text: 'base' }, { type: 'assistant', text: 'You said: base' },
    ]);
    assert.deepEqual(request?.conversation, [{ type: 'user', text: 'branch' }]);
    // The source lane continues independently from the same parent.
    const main = await client.create({ model: TEST_MODEL, store: false, previous_response_id: source.id, input: 'straight on', stream_id: 'main' });
    assert.equal(outputText(responseOf(last(main))), 'You said: straight on');
    client.close();
  });
});
