import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { HostClient, HostRequestError, type HostPush } from './host-client.js';
import { HOST_PROTOCOL_VERSION, parseHostRequest } from './host-frames.js';

const THREAD = { thread_id: 't1', title: 'hi', model: 'scripted', created_at: '2026-12-07T00:00:00Z', updated_ms: 1, state: 'idle' as const };

/** A stand-in host speaking the wire: hello, then answers by id; `threads.list` also pushes a thread change. */
function startStandIn(): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'hello', protocol: HOST_PROTOCOL_VERSION, workspace: '/w', model: 'scripted', version: 'test' }));
    ws.on('message', (data) => {
      const request = parseHostRequest((data as Buffer).toString("utf8"));
      if (request.type === 'threads.list') {
        ws.send(JSON.stringify({ type: 'thread.changed', thread: THREAD }));
        ws.send(JSON.stringify({ type: 'result', id: request.id, result: { threads: [THREAD] } }));
      } else if (request.type === 'models.list') {
        ws.send(JSON.stringify({ type: 'result', id: request.id, result: { models: 'not a list' } }));
      } else if (request.type === 'thread.detach') {
        ws.close(4000, 'bye');
      } else {
        ws.send(JSON.stringify({ type: 'error', id: request.id, error: { code: 'unknown_thread', message: 'No thread x.' } }));
      }
    });
  });
  return new Promise((resolve) => {
    wss.on('listening', () => {
      resolve({
        url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
        close: () => new Promise<void>((done) => { for (const c of wss.clients) c.terminate(); wss.close(() => done()); }),
      });
    });
  });
}

void describe('HostClient', () => {
  let host: { url: string; close: () => Promise<void> };
  before(async () => { host = await startStandIn(); });
  after(async () => { await host.close(); });
  const connect = (): Promise<HostClient> => HostClient.connect(host.url, { createSocket: (url) => new WebSocket(url) });

  void it('reads the hello, answers requests by id, and hands pushed frames to listeners in order', async () => {
    const client = await connect();
    const pushes: HostPush[] = [];
    client.subscribe((push) => pushes.push(push));
    assert.equal(client.hello.model, 'scripted');
    const listed = await client.request('threads.list', {});
    assert.deepEqual(listed.threads, [THREAD]);
    assert.deepEqual(pushes, [{ type: 'thread.changed', thread: THREAD }]);
    client.close();
  });

  void it("rejects with the host's error code, and with invalid_frame for a result of the wrong shape", async () => {
    const client = await connect();
    await assert.rejects(client.submit('x', { type: 'interrupt' }), (error: unknown) => error instanceof HostRequestError && error.code === 'unknown_thread');
    await assert.rejects(client.request('models.list', {}), (error: unknown) => error instanceof HostRequestError && error.code === 'invalid_frame');
    client.close();
  });

  void it('fails pending requests with closed when the socket closes, and tells listeners', async () => {
    const client = await connect();
    const pushes: HostPush[] = [];
    client.subscribe((push) => pushes.push(push));
    await assert.rejects(client.request('thread.detach', { thread_id: 't1' }), (error: unknown) => error instanceof HostRequestError && error.code === 'closed');
    assert.deepEqual(pushes, [{ type: 'closed', code: 4000, reason: 'bye' }]);
    await assert.rejects(client.request('threads.list', {}), /closed/);
  });

  void it('fails to connect with a clear error when nothing listens or the signal aborts', async () => {
    await assert.rejects(HostClient.connect('ws://127.0.0.1:1', { createSocket: (url) => new WebSocket(url) }), /Could not connect/);
    await assert.rejects(HostClient.connect(host.url, { createSocket: (url) => new WebSocket(url), signal: AbortSignal.abort() }), /aborted/);
  });
});
