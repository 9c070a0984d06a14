import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { GenerateRequest } from '@spark/engine';
import { errorOf, post, sseEvents } from '../testing/sse-frames.js';
import { startTestServer, steps, TEST_MODEL, waitFor, type TestServer } from '../testing/test-server.js';
import { responseOf, WsTestClient } from '../testing/ws-test-client.js';

// Every server here runs a scripted engine with few sequences that refuses (EngineError
// 'overloaded', a 429) any generation beyond them: a server that admitted more than the engine
// runs would fail these tests instead of quietly queueing inside the engine.

const servers: TestServer[] = [];
after(async () => { await Promise.all(servers.map((t) => t.server.close())); });

async function serve(sequences: number, limits: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer({ ...limits, engineOptions: { sequences } });
  servers.push(t);
  return t;
}

async function metric(t: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

/** Polls /metrics until the admission queue holds `count` requests. */
async function untilQueued(t: TestServer, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (await metric(t, 'spark_queued_requests') !== count) {
    if (Date.now() > deadline) throw new Error(`the queue never held ${count} requests`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Starts a streamed response that holds its slot until cancelled; resolves with its id once it runs. */
async function hold(t: TestServer, apiKey?: string): Promise<{ id: string; ended: Promise<string> }> {
  const client = apiKey === undefined ? t.client : t.client.withOptions({ apiKey });
  const stream = await client.responses.create({ model: TEST_MODEL, input: steps({ type: 'delay', ms: 120_000 }), stream: true });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.ok(!first.done && first.value.type === 'response.created');
  const ended = (async () => {
    let last = '';
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) last = next.value.type;
    return last;
  })();
  return { id: first.value.response.id, ended };
}

function userText(request: GenerateRequest | undefined): string {
  const item = request?.conversation.findLast((entry) => entry.type === 'user');
  return item?.type === 'user' ? item.text : '';
}

async function streamed(t: TestServer, input: string, headers: Record<string, string> = {}): Promise<{ status: number; last: string }> {
  const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input, stream: true, store: false }, headers);
  return { status: res.status, last: res.status === 200 ? String(sseEvents(res.text).at(-1)?.['type']) : res.text };
}

void describe('admission: queue, then refuse', () => {
  void it('completes 50 concurrent HTTP streams on a 2-sequence engine with the default queue (none refused)', async () => {
    const t = await serve(2);
    const input = steps({ type: 'delay', ms: 2 }, { type: 'text', text: 'one two three' });
    const results = await Promise.all(Array.from({ length: 50 }, () => streamed(t, input)));
    assert.deepEqual(results.filter((result) => result.status !== 200 || result.last !== 'response.completed'), []);
    assert.equal(t.engine.requests.length, 50);
    assert.equal(await metric(t, 'spark_queue_wait_seconds_count'), 50);
    assert.equal(await metric(t, 'spark_admission_slots'), 2);
    assert.equal(await metric(t, 'spark_queued_requests'), 0);
  });

  void it('serves a client that arrives later before the tail of a client with many queued requests (round-robin)', async () => {
    const t = await serve(1, { apiKeys: ['key-a', 'key-b'] });
    const first = await hold(t, 'key-a');
    const inputA = Array.from({ length: 20 }, (_, index) => steps({ type: 'text', text: `A${index}` }));
    const answersA = inputA.map((input) => streamed(t, input, { authorization: 'Bearer key-a' }));
    await untilQueued(t, 20);
    const inputB = steps({ type: 'text', text: 'B' });
    const answerB = streamed(t, inputB, { authorization: 'Bearer key-b' });
    await untilQueued(t, 21);
    await t.client.withOptions({ apiKey: 'key-a' }).responses.cancel(first.id);
    assert.equal(await first.ended, 'response.incomplete');
    assert.equal((await answerB).last, 'response.completed');
    for (const answer of await Promise.all(answersA)) assert.equal(answer.last, 'response.completed');
    const order = t.engine.requests.map(userText);
    // The held request, the head of A's line, then B (not behind A's other 19).
    assert.equal(order.indexOf(inputB), 2);
    assert.equal(order.length, 22);
  });

  void it('answers 429 with Retry-After and the spec error body once the queue is full, and serves the queued ones after', async () => {
    const t = await serve(1, { limits: { admissionQueueDepth: 2 } });
    const first = await hold(t);
    const queued = [streamed(t, 'one'), streamed(t, 'two')];
    await untilQueued(t, 2);
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'three' });
    assert.equal(res.status, 429);
    assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const error = errorOf(res.json());
    assert.equal(error.type, 'rate_limit_error');
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.param, null);
    assert.match(error.message, new RegExp(`try again in ${res.headers.get('retry-after')}s`));
    assert.match(await (await fetch(`${t.url}/metrics`)).text(), /spark_admission_refused_total\{reason="queue_full"\} 1\n/);
    await t.client.responses.cancel(first.id);
    for (const answer of await Promise.all(queued)) assert.equal(answer.last, 'response.completed');
  });

  void it('answers 429 to a request that waited past the wait limit while the slot stays busy', async () => {
    const t = await serve(1, { limits: { admissionMaxWaitMs: 50 } });
    const first = await hold(t);
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'patient' });
    assert.equal(res.status, 429);
    assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.match(errorOf(res.json()).message, /waited .* for a model slot/);
    // Refused while the holder still ran: the wait limit, not a free slot, ended the wait.
    assert.equal(t.engine.stats().activeSequences, 1);
    assert.match(await (await fetch(`${t.url}/metrics`)).text(), /spark_admission_refused_total\{reason="wait_limit"\} 1\n/);
    await t.client.responses.cancel(first.id);
    assert.equal(await first.ended, 'response.incomplete');
  });

  void it('drops a queued request whose client disconnects: it leaves the queue and never reaches the engine', async () => {
    const t = await serve(1, { limits: { admissionQueueDepth: 1 } });
    const first = await hold(t);
    const gone = new AbortController();
    const abandoned = fetch(`${t.url}/v1/responses`, {
      method: 'POST', signal: gone.signal, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: TEST_MODEL, input: 'abandoned', stream: true }),
    }).catch((error: unknown) => error);
    await untilQueued(t, 1);
    gone.abort();
    assert.ok(await abandoned instanceof Error);
    await untilQueued(t, 0);
    // Its place is free again: with a queue of one, the next request waits instead of a 429.
    const next = streamed(t, 'next');
    await untilQueued(t, 1);
    await t.client.responses.cancel(first.id);
    assert.equal((await next).last, 'response.completed');
    assert.ok(!t.engine.requests.some((request) => userText(request) === 'abandoned'));
  });

  void it('completes 200 WebSocket connections x 3 chained turns on a 4-sequence engine with the default bounds', async () => {
    const t = await serve(4);
    const clients = await Promise.all(Array.from({ length: 200 }, () => WsTestClient.connect(t.url)));
    try {
      const chains = clients.map(async (client, index) => {
        let previous: string | undefined;
        const statuses: string[] = [];
        for (let turn = 0; turn < 3; turn += 1) {
          const frames = await client.create({
            model: TEST_MODEL, store: false, input: `slow 3`, ...(previous ? { previous_response_id: previous } : {}),
          });
          const final = responseOf(frames.at(-1));
          statuses.push(frames.at(-1)?.['type'] === 'error' ? `error ${index}` : final.status);
          previous = final.id;
        }
        return statuses;
      });
      const all = (await Promise.all(chains)).flat();
      assert.equal(all.length, 600);
      assert.deepEqual(all.filter((status) => status !== 'completed'), []);
      await waitFor(() => t.engine.stats().activeSequences === 0);
      assert.equal(await metric(t, 'spark_queue_wait_seconds_count'), 600);
    } finally {
      for (const client of clients) client.close();
    }
  });
});
