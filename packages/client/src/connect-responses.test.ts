import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { ClientError } from './client-error.js';
import { connectResponses } from './connect-responses.js';
import { collect, deltaText } from './testing/collect-events.js';
import { startTestServer, TEST_MODEL } from '@spark/server/testing';

function hasCode(code: string, status?: number): (error: unknown) => boolean {
  return (error) => ClientError.is(error) && error.code === code && error.status === status;
}

void describe('connectResponses', () => {
  void it('auto prefers the WebSocket', async () => {
    const t = await startTestServer();
    try {
      const connection = await connectResponses({ baseUrl: t.baseUrl });
      assert.deepEqual([connection.kind, connection.connectionEpoch], ['websocket', 1]);
      await connection.close();
    } finally {
      await t.server.close();
    }
  });

  void it('auto falls back to HTTP when the server refuses the upgrade with 426; websocket alone throws that refusal', async () => {
    const t = await startTestServer({ websocket: false });
    try {
      const connection = await connectResponses({ baseUrl: t.baseUrl, apiKey: 'test-key' });
      assert.deepEqual([connection.kind, connection.connectionEpoch], ['http', 0]);
      assert.equal(deltaText(await collect(connection.stream({ model: TEST_MODEL, input: 'over http', store: false }))), 'You said: over http');
      await connection.close();
      await assert.rejects(connectResponses({ baseUrl: t.baseUrl, transport: 'websocket' }), hasCode('websocket_not_supported', 426));
    } finally {
      await t.server.close();
    }
  });

  void it('a wrong key fails the upgrade with 401 and does not fall back; the right one is sent as Bearer', async () => {
    const t = await startTestServer({ apiKeys: ['secret'] });
    try {
      await assert.rejects(connectResponses({ baseUrl: t.baseUrl, apiKey: 'wrong' }), hasCode('invalid_api_key', 401));
      const connection = await connectResponses({ baseUrl: `${t.baseUrl}/`, apiKey: 'secret' });
      assert.equal(connection.kind, 'websocket');
      assert.equal(deltaText(await collect(connection.stream({ model: TEST_MODEL, input: 'authorized', store: false }))), 'You said: authorized');
      await connection.close();
    } finally {
      await t.server.close();
    }
  });

  void it('auto falls back when the upgrade fails on the network but plain HTTP answers', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [] }));
    });
    // A proxy that drops upgrades.
    server.on('upgrade', (_req, socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      await assert.rejects(connectResponses({ baseUrl, transport: 'websocket' }), hasCode('connect_failed'));
      assert.equal((await connectResponses({ baseUrl })).kind, 'http');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    // Nothing listens there any more: no transport works, so auto does not pretend.
    await assert.rejects(connectResponses({ baseUrl }), hasCode('connect_failed'));
  });

  void it('rejects a base URL that is not absolute http(s) and options that make no sense', async () => {
    await assert.rejects(connectResponses({ baseUrl: 'localhost:8000/v1' }), TypeError);
    await assert.rejects(connectResponses({ baseUrl: 'ftp://host/v1' }), TypeError);
    await assert.rejects(connectResponses({ baseUrl: 'http://127.0.0.1:1/v1', cancelGraceMs: -1 }), TypeError);
  });

  void it('an upgrade that never completes times out, or stops when the signal aborts', async () => {
    const server = createServer();
    const held: Duplex[] = [];
    let onUpgrade = (): void => undefined;
    // Holds every upgrade open without answering.
    server.on('upgrade', (_req, socket) => { held.push(socket); onUpgrade(); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      await assert.rejects(connectResponses({ baseUrl, transport: 'websocket', connectTimeoutMs: 50 }), hasCode('connect_timeout'));
      const controller = new AbortController();
      onUpgrade = () => controller.abort();
      await assert.rejects(connectResponses({ baseUrl, transport: 'websocket' }, { signal: controller.signal }), hasCode('aborted'));
      await assert.rejects(connectResponses({ baseUrl }, { signal: AbortSignal.abort() }), hasCode('aborted'));
      // Neither attempt goes on in the background: the client hung up on both.
      assert.ok(held.length > 0);
      await Promise.all(held.map((socket) => new Promise<void>((resolve) => {
        if (socket.readableEnded) resolve();
        else socket.once('end', () => resolve());
      })));
    } finally {
      for (const socket of held) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
