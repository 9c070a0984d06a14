import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentEvent } from '@spark/protocol';
import { steps, waitFor } from '@spark/server/testing';
import { WebSocket } from 'ws';
import { startHostTestKit, TEST_TOKEN, type HostTestKit } from './testing/host-test-kit.js';
import { DEFAULT_HOST_MAX_FRAME_BYTES } from './host-limits.js';
import { parseHostMessage, type HostMessage } from './wire/host-frames.js';
import { appTokenCookieName } from './wire/host-paths.js';

/** The upgrade's answer: 101, or the refusal's status and JSON error code. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; code?: string | null }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => { ws.close(); resolve({ status: 101 }); });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { error: { code: string | null } }).error.code }); });
    });
    ws.once('error', reject);
  });
}

/** A raw socket that records every frame the host sends. */
async function rawClient(url: string): Promise<{ ws: WebSocket; frames: HostMessage[]; closed: Promise<number> }> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const frames: HostMessage[] = [];
  ws.on('message', (data: Buffer) => frames.push(parseHostMessage(data.toString('utf8'))));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  await waitFor(() => frames.length > 0);
  return { ws, frames, closed };
}

function errorsOf(frames: readonly HostMessage[]): Array<[string | null, string]> {
  return frames.flatMap((frame) => (frame.type === 'error' ? [[frame.id, frame.error.code] as [string | null, string]] : []));
}

void describe('host extension: the /v1/agent WebSocket', () => {
  let kit: HostTestKit;
  before(async () => { kit = await startHostTestKit(); });
  after(async () => { await kit.close(); });

  void it('refuses an upgrade without the token or with a wrong one (401), accepts it by cookie, bearer or query', async () => {
    assert.deepEqual(await upgrade(kit.wsUrl), { status: 401, code: 'invalid_app_token' });
    assert.deepEqual(await upgrade(kit.wsUrl, { authorization: 'Bearer wrong' }), { status: 401, code: 'invalid_app_token' });
    assert.deepEqual(await upgrade(`${kit.wsUrl}?token=wrong`), { status: 401, code: 'invalid_app_token' });
    assert.deepEqual(await upgrade(kit.wsUrl, { cookie: `${appTokenCookieName(new URL(kit.wsUrl).host)}=wrong` }), { status: 401, code: 'invalid_app_token' });
    assert.deepEqual(await upgrade(kit.wsUrl, { cookie: `other=1; ${appTokenCookieName(new URL(kit.wsUrl).host)}=${TEST_TOKEN}` }), { status: 101 });
    assert.deepEqual(await upgrade(kit.wsUrl, { authorization: `Bearer ${TEST_TOKEN}` }), { status: 101 });
    assert.deepEqual(await upgrade(`${kit.wsUrl}?token=${TEST_TOKEN}`), { status: 101 });
  });

  void it('accepts only its own Origin: a page on another loopback port is foreign (403)', async () => {
    const own = kit.t.url;
    const cookie = `${appTokenCookieName(new URL(kit.wsUrl).host)}=${TEST_TOKEN}`;
    assert.deepEqual(await upgrade(kit.wsUrl, { cookie, origin: own }), { status: 101 });
    const port = Number(new URL(own).port);
    assert.deepEqual(await upgrade(kit.wsUrl, { cookie, origin: `http://127.0.0.1:${port + 1}` }), { status: 403, code: 'origin_not_allowed' });
    assert.deepEqual(await upgrade(kit.wsUrl, { cookie, origin: `http://localhost:${port}` }), { status: 403, code: 'origin_not_allowed' });
    assert.deepEqual(await upgrade(kit.wsUrl, { cookie, origin: 'null' }), { status: 403, code: 'origin_not_allowed' });
  });

  void it('bad frames and unknown thread ids get errors on that socket only; the other client\'s turn goes on', async () => {
    const watcher = await kit.connect();
    const thread = (await watcher.client.request('thread.start', {})).thread.thread_id;
    await watcher.client.submit(thread, { type: 'user_message', text: 'slow 60' });

    const { ws, frames } = await rawClient(kit.wsUrl);
    assert.equal(frames[0]?.type, 'hello');
    ws.send('not json');
    ws.send(JSON.stringify({ type: 'dance', id: 'd1' }));
    ws.send(JSON.stringify({ type: 'thread.op', id: 'o1', thread_id: thread, op: { type: 'dance' } }));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.send(JSON.stringify({ type: 'thread.attach', id: 'a1', thread_id: 'no-such-thread' }));
    ws.send(JSON.stringify({ type: 'thread.attach', id: 'a2', thread_id: '../../etc/passwd' }));
    ws.send(JSON.stringify({ type: 'thread.op', id: 'o2', thread_id: 'no-such-thread', op: { type: 'interrupt' } }));
    ws.send(JSON.stringify({ type: 'thread.op', id: 'o3', thread_id: thread, op: { type: 'interrupt' } }));
    ws.send(JSON.stringify({ type: 'thread.detach', id: 'x1', thread_id: thread }));
    ws.send(JSON.stringify({ type: 'threads.list', id: 'l1' }));
    await waitFor(() => frames.some((frame) => frame.type === 'result' && frame.id === 'l1'));
    await waitFor(() => errorsOf(frames).length >= 9);
    assert.deepEqual(errorsOf(frames).sort(), [
      [null, 'invalid_frame'], [null, 'invalid_frame'], ['a1', 'unknown_thread'], ['a2', 'unknown_thread'], ['d1', 'invalid_frame'],
      ['o1', 'invalid_frame'], ['o2', 'unknown_thread'], ['o3', 'not_attached'], ['x1', 'not_attached'],
    ].sort());
    assert.equal(ws.readyState, WebSocket.OPEN);
    // The interrupt was refused: the watcher's turn ran to the end.
    await watcher.waitForIdle(thread);
    const completed = watcher.of(thread).find((event) => event.type === 'turn.completed');
    assert.equal(completed?.type === 'turn.completed' && completed.status, 'completed');
    assert.ok(!frames.some((frame) => frame.type === 'event'), 'a client that did not attach gets no events');
    ws.close();
  });

  void it('closes a socket that sends an oversized frame with 1009; other clients stay', async () => {
    const other = await kit.connect();
    const { ws, closed } = await rawClient(kit.wsUrl);
    ws.send('x'.repeat(DEFAULT_HOST_MAX_FRAME_BYTES + 1));
    assert.equal(await closed, 1009);
    assert.ok(other.client.isOpen);
    assert.ok(Array.isArray((await other.client.request('threads.list', {})).threads));
  });

  void it('packs the events of one tick into an `events` frame: consecutive seqs, in order, after the attach answer', async () => {
    const { ws, frames } = await rawClient(kit.wsUrl);
    ws.send(JSON.stringify({ type: 'thread.start', id: 's1' }));
    await waitFor(() => frames.some((frame) => frame.type === 'result' && frame.id === 's1'));
    const started = frames.find((frame) => frame.type === 'result' && frame.id === 's1');
    const thread = (started?.type === 'result' ? started.result['thread'] : undefined) as { thread_id: string } | undefined;
    assert.ok(thread !== undefined);
    // 300 tokens with no delay between them: the agent reads many per tick, the host forwards them together.
    const text = steps(...Array.from({ length: 300 }, (_, index) => ({ type: 'text' as const, text: ` w${index}` })));
    ws.send(JSON.stringify({ type: 'thread.op', id: 'o1', thread_id: thread.thread_id, op: { type: 'user_message', text } }));
    const events = (): AgentEvent[] => frames.flatMap((frame) => (frame.type === 'event' ? [frame.event] : frame.type === 'events' ? frame.events : []));
    await waitFor(() => events().some((event) => event.type === 'thread.idle'));
    const batches = frames.flatMap((frame) => (frame.type === 'events' ? [frame.events] : []));
    assert.ok(batches.length > 0, 'at least one frame carries several events');
    for (const batch of batches) {
      assert.ok(batch.length >= 2);
      batch.forEach((event, index) => { assert.equal(event.seq, (batch[0]?.seq ?? 0) + index, 'a batch holds consecutive seqs'); });
    }
    // Across frames too: the whole thread from seq 1, nothing missing, nothing twice, nothing before the attach answer.
    events().forEach((event, index) => { assert.equal(event.seq, index + 1); });
    const firstEventFrame = frames.findIndex((frame) => frame.type === 'event' || frame.type === 'events');
    assert.ok(frames.indexOf(started as HostMessage) < firstEventFrame);
    assert.equal(events().filter((event) => event.type === 'text.delta').map((event) => (event.type === 'text.delta' ? event.delta : '')).join(''),
      Array.from({ length: 300 }, (_, index) => ` w${index}`).join(''));
    ws.close();
  });
});

void describe('host extension on a server with API keys', () => {
  let kit: HostTestKit;
  before(async () => { kit = await startHostTestKit({ server: { apiKeys: ['sk-host'] }, apiKey: 'sk-host' }); });
  after(async () => { await kit.close(); });

  void it('accepts a server API key or the app token, nothing else', async () => {
    assert.deepEqual(await upgrade(kit.wsUrl, { authorization: 'Bearer sk-host' }), { status: 101 });
    assert.deepEqual(await upgrade(kit.wsUrl, { authorization: `Bearer ${TEST_TOKEN}` }), { status: 101 });
    assert.deepEqual(await upgrade(kit.wsUrl, { authorization: 'Bearer sk-other' }), { status: 401, code: 'invalid_app_token' });
    assert.deepEqual(await upgrade(kit.wsUrl), { status: 401, code: 'invalid_app_token' });
    const client = await kit.connect();
    const thread = (await client.client.request('thread.start', {})).thread.thread_id;
    await client.client.submit(thread, { type: 'user_message', text: 'hi' });
    await client.waitForIdle(thread);
  });
});
