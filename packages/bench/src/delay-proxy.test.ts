import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { downstreamDeliveryAt, startDelayProxy, upstreamDeliveryAt, type DelayProxy } from './delay-proxy.js';

const ONE_WAY_MS = 15;

/** Connects to `port` and resolves with the socket once connected, and when the connect began. */
function open(port: number): Promise<{ socket: Socket; connectedAt: number }> {
  return new Promise((resolve, reject) => {
    const connectedAt = performance.now();
    const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve({ socket, connectedAt }));
    socket.once('error', reject);
  });
}

/** Sends `text` and resolves with the first `length` bytes that come back, and when they were complete. */
function ping(socket: Socket, text: string, length = text.length): Promise<{ reply: string; at: number }> {
  return new Promise((resolve) => {
    let reply = '';
    const onData = (chunk: Buffer): void => {
      reply += chunk.toString('utf8');
      if (reply.length < length) return;
      socket.off('data', onData);
      resolve({ reply, at: performance.now() });
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

void describe('delay proxy: a network path on loopback', () => {
  let echo: Server;
  let proxy: DelayProxy;
  before(async () => {
    echo = createServer((socket) => { socket.setNoDelay(true); socket.on('data', (chunk) => socket.write(chunk)); socket.on('end', () => socket.end()); });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await startDelayProxy((echo.address() as AddressInfo).port, ONE_WAY_MS);
  });
  after(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  void it('costs at least one round trip (2 x one-way) per ping-pong on an open connection, bytes in order', async () => {
    const { socket } = await open(proxy.port);
    try {
      await ping(socket, 'warm');
      for (let i = 0; i < 5; i++) {
        const sent = performance.now();
        const { reply, at } = await ping(socket, `ping ${i}`);
        assert.equal(reply, `ping ${i}`);
        assert.ok(at - sent >= 2 * ONE_WAY_MS, `round trip ${(at - sent).toFixed(2)} ms < ${2 * ONE_WAY_MS} ms`);
      }
      // Many small writes at once arrive whole and in order.
      const many = Array.from({ length: 200 }, (_, i) => `${i},`).join('');
      for (const part of many.match(/.{1,7}/g) ?? []) socket.write(part);
      const { reply } = await ping(socket, '', many.length);
      assert.equal(reply, many);
    } finally {
      socket.destroy();
    }
  });

  void it('charges a new connection its handshake: the first reply comes at least two round trips after connect', async () => {
    const { socket, connectedAt } = await open(proxy.port);
    try {
      const { reply, at } = await ping(socket, 'first');
      assert.equal(reply, 'first');
      assert.ok(at - connectedAt >= 4 * ONE_WAY_MS, `first reply ${(at - connectedAt).toFixed(2)} ms after connect < ${4 * ONE_WAY_MS} ms`);
    } finally {
      socket.destroy();
    }
  });

  void it('passes a half-close through after the delay, and the other side still answers', async () => {
    const { socket } = await open(proxy.port);
    const ended = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
      socket.once('end', () => resolve(text));
    });
    socket.end('bye');
    assert.equal(await ended, 'bye');
    socket.destroy();
  });

  void it('schedules deliveries as documented (the pure model)', () => {
    assert.equal(downstreamDeliveryAt(100, 10), 110);
    // Sent right after connect: held until one RTT after accept, then one way.
    assert.equal(upstreamDeliveryAt(1000, 1000, 10), 1030);
    // Sent after the handshake would be over: one way only.
    assert.equal(upstreamDeliveryAt(1050, 1000, 10), 1060);
    assert.equal(upstreamDeliveryAt(5, 0, 0), 5);
  });
});
