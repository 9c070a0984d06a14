import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientError } from './client-error.js';
import type { ClientEvent } from './client-events.js';
import { connectResponses } from './connect-responses.js';
import type { ResponsesConnection } from './responses-connection.js';
import { collect, deltaText, errorOf, typesOf } from './testing/collect-events.js';
import { startTestServer, steps, TEST_MODEL, type TestServer } from '@spark/server/testing';

function hasCode(code: string, status?: number): (error: unknown) => boolean {
  return (error) => ClientError.is(error) && error.code === code && error.status === status;
}

/** The response id of a lifecycle event. */
function responseId(event: ClientEvent | undefined): string {
  assert.ok(event && 'response' in event, `expected a lifecycle event, got ${event?.type}`);
  return event.response.id;
}

/**
 * Reads a stream, handing each event to `onEvent` (which may steer, abort or stop by returning
 * 'stop'); returns every event read.
 */
async function drive(stream: AsyncIterable<ClientEvent>, onEvent: (event: ClientEvent, seen: ClientEvent[]) => 'stop' | void): Promise<ClientEvent[]> {
  const seen: ClientEvent[] = [];
  for await (const event of stream) {
    seen.push(event);
    if (onEvent(event, seen) === 'stop') break;
  }
  return seen;
}

const deltasIn = (seen: readonly ClientEvent[]): number => seen.filter((event) => event.type === 'response.output_text.delta').length;

void describe('WebSocket connection against Spark', () => {
  let t: TestServer;
  let connection: ResponsesConnection;
  before(async () => {
    t = await startTestServer();
    connection = await connectResponses({ baseUrl: t.baseUrl, apiKey: 'test-key' });
  });
  after(async () => {
    await connection.close();
    await t.server.close();
  });

  void it('chains two turns with previous_response_id on one socket, sending only the new input', async () => {
    assert.equal(connection.kind, 'websocket');
    const epoch = connection.connectionEpoch;
    assert.ok(epoch >= 1);
    const first = await collect(connection.stream({ model: TEST_MODEL, input: 'hello', store: false }));
    assert.equal(deltaText(first), 'You said: hello');
    const firstId = responseId(first.at(-1));
    const second = await collect(connection.stream({ model: TEST_MODEL, input: 'again', store: false, previous_response_id: firstId }));
    const last = second.at(-1);
    assert.ok(last?.type === 'response.completed');
    assert.equal(last.response.previous_response_id, firstId);
    assert.equal(deltaText(second), 'You said: again');
    // The server continued its per-connection state: the engine saw only the new message.
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, [{ type: 'user', text: 'again' }]);
    assert.equal(connection.connectionEpoch, epoch);
  });

  void it('throws an error frame as a ClientError and keeps the socket', async () => {
    const epoch = connection.connectionEpoch;
    const error = await errorOf(connection.stream({ model: TEST_MODEL, input: 'hi', store: false, previous_response_id: 'resp_gone' }));
    assert.ok(hasCode('previous_response_not_found', 400)(error));
    assert.equal((error as ClientError).param, 'previous_response_id');
    assert.equal(deltaText(await collect(connection.stream({ model: TEST_MODEL, input: 'still here', store: false }))), 'You said: still here');
    assert.equal(connection.connectionEpoch, epoch);
  });

  void it('abort cancels the response (response.cancel): the stream yields response.incomplete with the partial output, then ends', async () => {
    const epoch = connection.connectionEpoch;
    const controller = new AbortController();
    const events = await drive(connection.stream({ model: TEST_MODEL, input: 'slow 500', store: false }, { signal: controller.signal }), (_event, seen) => {
      if (deltasIn(seen) === 3) controller.abort();
    });
    const last = events.at(-1);
    assert.ok(last?.type === 'response.incomplete');
    assert.equal(last.response.status, 'cancelled');
    assert.ok(deltasIn(events) >= 3 && deltasIn(events) < 500);
    assert.equal(t.engine.stats().activeSequences, 0);
    // The same socket goes on.
    assert.equal(deltaText(await collect(connection.stream({ model: TEST_MODEL, input: 'next', store: false }))), 'You said: next');
    assert.equal(connection.connectionEpoch, epoch);
  });

  void it('steering: one stream carries the steered response (incomplete, steered) and the successor, and ends after the successor', async () => {
    let steeredId: string | undefined;
    const events = await drive(connection.stream({ model: TEST_MODEL, input: 'slow 500', store: false }), (event, seen) => {
      if (event.type === 'response.created' && steeredId === undefined) steeredId = event.response.id;
      if (event.type === 'response.output_text.delta' && deltasIn(seen) === 3 && steeredId) connection.steer(steeredId, 'Also mention the year.');
    });
    const types = typesOf(events);
    const accepted = events.find((event) => event.type === 'response.steer.accepted');
    assert.ok(accepted?.type === 'response.steer.accepted');
    assert.equal(accepted.steer.previous_response_id, steeredId);
    const stopped = events.find((event) => event.type === 'response.incomplete');
    assert.ok(stopped?.type === 'response.incomplete');
    assert.deepEqual([stopped.response.id, stopped.response.incomplete_details?.reason], [steeredId, 'steered']);
    assert.equal(types.filter((type) => type === 'response.created').length, 2);
    const successor = events.at(-1);
    assert.ok(successor?.type === 'response.completed');
    assert.notEqual(successor.response.id, steeredId);
    assert.equal(successor.response.previous_response_id, steeredId);
    assert.ok(deltaText(events).endsWith('You said: Also mention the year.'));
    assert.ok(types.indexOf('response.steer.accepted') < types.indexOf('response.incomplete'));
  });

  void it('steering a response that waits for tool output: the stream ends with response.steer.pending', async () => {
    let id: string | undefined;
    const events = await drive(connection.stream({
      model: TEST_MODEL, store: false,
      input: steps({ type: 'tool_call', name: 'lookup', arguments: '{"q":"x"}' }, { type: 'delay', ms: 5000 }, { type: 'text', text: 'never' }),
    }), (event) => {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_item.done' && id) connection.steer(id, 'Use the cache.');
    });
    assert.deepEqual(typesOf(events).slice(-3), ['response.steer.accepted', 'response.incomplete', 'response.steer.pending']);
    const pending = events.at(-1);
    assert.ok(pending?.type === 'response.steer.pending');
    const done = events.find((event) => event.type === 'response.output_item.done');
    assert.ok(done?.type === 'response.output_item.done' && done.item.type === 'function_call');
    assert.deepEqual(pending.required_input, [{ type: 'function_call_output', call_id: done.item.call_id, name: 'lookup' }]);
    const next = await collect(connection.stream({
      model: TEST_MODEL, store: false, previous_response_id: id ?? '', input: [{ type: 'function_call_output', call_id: done.item.call_id, output: 'cached' }],
    }));
    assert.equal(deltaText(next), 'Result: cached');
  });

  void it('a steer outcome that arrives after its stream ended comes first in the lane\'s next stream', async () => {
    const done = await collect(connection.stream({ model: TEST_MODEL, input: 'quick', store: false }));
    connection.steer(responseId(done.at(-1)), 'too late');
    // Let the failure arrive while no stream is open.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await collect(connection.stream({ model: TEST_MODEL, input: 'after', store: false }));
    const failed = next[0];
    assert.ok(failed?.type === 'response.steer.failed');
    assert.deepEqual([failed.error.code, failed.steer.input], ['response_already_completed', 'too late']);
    assert.equal(next[1]?.type, 'response.created');
    assert.equal(deltaText(next), 'You said: after');
  });

  void it('named lanes stream concurrently; a second stream on a busy lane throws busy', async () => {
    const a = collect(connection.stream({ model: TEST_MODEL, input: 'slow 20', store: false, stream_id: 'a' }));
    const b = collect(connection.stream({ model: TEST_MODEL, input: 'slow 10', store: false, stream_id: 'b' }));
    const busy = errorOf(connection.stream({ model: TEST_MODEL, input: 'hi', store: false, stream_id: 'a' }));
    assert.ok(hasCode('busy')(await busy));
    // The server could not tag its error for a malformed lane, so the client refuses it itself.
    assert.ok(hasCode('invalid_stream_id')(await errorOf(connection.stream({ model: TEST_MODEL, input: 'hi', stream_id: 'no spaces' }))));
    const [eventsA, eventsB] = await Promise.all([a, b]);
    assert.equal(deltaText(eventsA), Array.from({ length: 20 }, (_, i) => `t${i + 1}`).join(' '));
    assert.equal(deltaText(eventsB), Array.from({ length: 10 }, (_, i) => `t${i + 1}`).join(' '));
    assert.ok(eventsA.every((event) => 'stream_id' in event && event.stream_id === 'a'));
    assert.ok(eventsB.every((event) => 'stream_id' in event && event.stream_id === 'b'));
  });

  void it('leaving the loop early cancels the response, and the lane\'s next stream sees none of its frames', async () => {
    const first = await drive(connection.stream({ model: TEST_MODEL, input: 'slow 500', store: false, stream_id: 'x' }), (event) => (
      event.type === 'response.output_text.delta' ? 'stop' : undefined));
    const next = await collect(connection.stream({ model: TEST_MODEL, input: 'fresh', store: false, stream_id: 'x' }));
    assert.equal(next[0]?.type, 'response.created');
    assert.notEqual(responseId(next[0]), responseId(first[0]));
    assert.equal(deltaText(next), 'You said: fresh');
    assert.equal(t.engine.stats().activeSequences, 0);
  });

  void it('lists models over HTTP', async () => {
    assert.deepEqual(await connection.listModels(), [{ id: TEST_MODEL, contextWindow: 4096 }]);
  });
});

/** A scripted WebSocket server: `onCreate` answers each `response.create` of the n-th connection. */
async function startFakeServer(onFrame: (ws: WebSocket, frame: Record<string, unknown>, connectionIndex: number) => void): Promise<{ baseUrl: string; close: () => Promise<void>; connections: () => number }> {
  const http = createServer((_req, res) => { res.writeHead(404); res.end(); });
  const wss = new WebSocketServer({ server: http });
  let count = 0;
  wss.on('connection', (ws) => {
    const index = count++;
    ws.on('message', (data: Buffer) => onFrame(ws, JSON.parse(data.toString('utf8')) as Record<string, unknown>, index));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`,
    connections: () => count,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

const fakeResponse = (id: string, status: string): Record<string, unknown> => ({ id, object: 'response', status, output: [] });
const created = (id: string): string => JSON.stringify({ type: 'response.created', sequence_number: 0, response: fakeResponse(id, 'in_progress') });
const delta = (text: string, sequence: number): string => JSON.stringify({
  type: 'response.output_text.delta', sequence_number: sequence, item_id: 'msg_1', output_index: 0, content_index: 0, delta: text, logprobs: [],
});
const completed = (id: string): string => JSON.stringify({ type: 'response.completed', sequence_number: 9, response: fakeResponse(id, 'completed') });

void describe('WebSocket connection against other servers', () => {
  void it('a socket the server drops mid-stream throws connection_closed; the next stream reconnects with a new epoch', async () => {
    const fake = await startFakeServer((ws, frame, index) => {
      if (frame['type'] !== 'response.create') return;
      ws.send(created(`resp_${index}`));
      ws.send(delta('partial', 1));
      if (index === 0) setTimeout(() => ws.terminate(), 20);
      else ws.send(completed(`resp_${index}`));
    });
    try {
      const connection = await connectResponses({ baseUrl: fake.baseUrl, transport: 'websocket' });
      assert.equal(connection.connectionEpoch, 1);
      const seen: ClientEvent[] = [];
      assert.ok(hasCode('connection_closed')(await errorOf(connection.stream({ model: 'm', input: 'hi' }), seen)));
      assert.deepEqual(typesOf(seen), ['response.created', 'response.output_text.delta']);
      assert.throws(() => connection.steer('resp_0', 'x'), hasCode('connection_closed'));
      const events = await collect(connection.stream({ model: 'm', input: 'hi' }));
      assert.equal(responseId(events.at(-1)), 'resp_1');
      assert.equal(connection.connectionEpoch, 2);
      assert.equal(fake.connections(), 2);
      await connection.close();
      assert.ok(hasCode('connection_closed')(await errorOf(connection.stream({ model: 'm', input: 'hi' }))));
    } finally {
      await fake.close();
    }
  });

  void it('abort against a server without response.cancel: after cancelGraceMs the socket closes and the stream throws aborted', async () => {
    const received: string[] = [];
    const fake = await startFakeServer((ws, frame, index) => {
      received.push(String(frame['type']));
      if (frame['type'] === 'response.create') {
        ws.send(created(`resp_${index}`));
        if (index === 0) {
          let sequence = 1;
          const timer = setInterval(() => ws.send(delta('x', sequence++)), 5);
          ws.on('close', () => clearInterval(timer));
        } else {
          ws.send(completed(`resp_${index}`));
        }
      } else {
        // Still generating: it ignores the cancel, so the client must keep reading.
        ws.send(delta('after cancel', 99));
        ws.send(JSON.stringify({ type: 'error', status: 400, error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Unsupported client event type.', param: 'type' } }));
      }
    });
    try {
      const connection = await connectResponses({ baseUrl: fake.baseUrl, transport: 'websocket', cancelGraceMs: 100 });
      const controller = new AbortController();
      const seen: ClientEvent[] = [];
      let abortedAt = 0;
      const stream = connection.stream({ model: 'm', input: 'hi' }, { signal: controller.signal });
      const error = await errorOf((async function* abortAfterTwoDeltas() {
        for await (const event of stream) {
          yield event;
          if (deltasIn(seen) === 2 && abortedAt === 0) { abortedAt = Date.now(); controller.abort(); }
        }
      })(), seen);
      assert.ok(hasCode('aborted')(error));
      assert.equal((error as Error).name, 'AbortError');
      assert.ok(Date.now() - abortedAt >= 90, 'waited for the grace period');
      assert.ok(seen.some((event) => event.type === 'response.output_text.delta' && event.delta === 'after cancel'), 'kept yielding while waiting for a terminal event');
      assert.deepEqual(received, ['response.create', 'response.cancel']);
      // The abandoned socket is gone: the next stream gets a clean one.
      assert.equal(responseId((await collect(connection.stream({ model: 'm', input: 'hi' }))).at(-1)), 'resp_1');
      assert.equal(connection.connectionEpoch, 2);
      await connection.close();
    } finally {
      await fake.close();
    }
  });

  void it('frames larger than maxEventBytes, malformed frames and binary frames end the socket\'s streams with a ClientError', async () => {
    const answers: Array<[(ws: WebSocket) => void, string]> = [
      [(ws) => ws.send(JSON.stringify({ type: 'response.created', sequence_number: 0, response: fakeResponse('r', 'in_progress'), pad: 'x'.repeat(4096) })), 'event_too_large'],
      [(ws) => ws.send('{"type":"response.created","sequence_number":0}'), 'invalid_event'],
      [(ws) => ws.send('not json'), 'invalid_event'],
      [(ws) => ws.send(Buffer.from(created('r'))), 'invalid_event'],
    ];
    let answer: (ws: WebSocket) => void = () => undefined;
    const fake = await startFakeServer((ws, frame) => {
      if (frame['type'] === 'response.create') answer(ws);
    });
    try {
      const connection = await connectResponses({ baseUrl: fake.baseUrl, transport: 'websocket', maxEventBytes: 1024 });
      for (const [send, code] of answers) {
        answer = send;
        assert.ok(hasCode(code)(await errorOf(connection.stream({ model: 'm', input: 'hi' }))), code);
      }
      // Unknown event types are skipped, not fatal.
      answer = (ws) => {
        ws.send(created('resp_ok'));
        ws.send(JSON.stringify({ type: 'response.reasoning_summary_part.added', sequence_number: 1, summary_index: 0 }));
        ws.send(completed('resp_ok'));
      };
      assert.deepEqual(typesOf(await collect(connection.stream({ model: 'm', input: 'hi' }))), ['response.created', 'response.completed']);
      await connection.close();
    } finally {
      await fake.close();
    }
  });
});
