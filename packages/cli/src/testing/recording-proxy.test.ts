// The proxy the Codex end-to-end test trusts as its witness: it must pass bytes through
// unchanged and record transports, statuses and WebSocket messages correctly.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';
import { WsFrameReader } from './ws-frame-reader.js';

/** A server frame (unmasked) or, with `mask`, a client frame. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: Buffer } = {}): Buffer {
  const head = [((options.fin ?? true) ? 0x80 : 0) | opcode];
  const maskBit = options.mask ? 0x80 : 0;
  let lengthBytes: Buffer;
  if (payload.length < 126) lengthBytes = Buffer.from([maskBit | payload.length]);
  else if (payload.length < 65_536) {
    lengthBytes = Buffer.alloc(3);
    lengthBytes.writeUInt8(maskBit | 126, 0);
    lengthBytes.writeUInt16BE(payload.length, 1);
  } else {
    lengthBytes = Buffer.alloc(9);
    lengthBytes.writeUInt8(maskBit | 127, 0);
    lengthBytes.writeBigUInt64BE(BigInt(payload.length), 1);
  }
  const mask = options.mask;
  const body = mask ? Buffer.from(payload.map((byte, index) => byte ^ (mask[index % 4] ?? 0))) : payload;
  return Buffer.concat([Buffer.from(head), lengthBytes, ...(mask ? [mask] : []), body]);
}

describe('WsFrameReader', () => {
  it('unmasks, joins fragments across chunk boundaries and passes control frames through', () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const big = Buffer.from(JSON.stringify({ type: 'big', text: 'x'.repeat(70_000) }));
    const bytes = Buffer.concat([
      frame(1, Buffer.from('{"type":"a'), { fin: false, mask }),
      frame(9, Buffer.from('ping'), { mask }),
      frame(0, Buffer.from('"}'), { mask }),
      frame(1, big),
    ]);
    const reader = new WsFrameReader();
    const messages = [];
    for (let offset = 0; offset < bytes.length; offset += 7) messages.push(...reader.push(bytes.subarray(offset, offset + 7)));
    assert.deepEqual(messages.map((m) => [m.opcode, m.opcode === 9 ? m.payload.toString() : (JSON.parse(m.payload.toString()) as { type: string }).type]), [[9, 'ping'], [1, 'a'], [1, 'big']]);
  });

  it('flags compressed messages', () => {
    const compressed = frame(1, Buffer.from([0xf2, 0x48, 0xcd]));
    compressed.writeUInt8(compressed.readUInt8(0) | 0x40, 0);
    assert.equal(new WsFrameReader().push(compressed)[0]?.compressed, true);
  });
});

describe('startRecordingProxy', () => {
  let upstream: Server;
  let proxy: RecordingProxy;
  let upgradeHeaders: Record<string, string | string[] | undefined> = {};

  before(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => {
        if (req.url === '/refuse') {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"nope"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: response.created\ndata: {"type":"response.created","echo":${JSON.stringify(body)}}\n\n`);
        setTimeout(() => res.end('event: response.completed\ndata: {"type":"response.completed"}\n\n'), 10);
      });
    });
    upstream.on('upgrade', (req, socket: Socket) => {
      upgradeHeaders = req.headers;
      if (req.url === '/no-ws') {
        socket.end('HTTP/1.1 426 Upgrade Required\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}');
        return;
      }
      socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
      socket.write(frame(1, Buffer.from('{"type":"response.created"}')));
      socket.on('data', () => socket.end(frame(1, Buffer.from('{"type":"response.completed"}'))));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startRecordingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });

  after(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('passes an SSE answer through unchanged and records the request and its events', async () => {
    const response = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', body: '{"model":"m"}', headers: { authorization: 'Bearer k' } });
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.equal(text, 'event: response.created\ndata: {"type":"response.created","echo":"{\\"model\\":\\"m\\"}"}\n\nevent: response.completed\ndata: {"type":"response.completed"}\n\n');
    const [exchange] = proxy.http('POST', '/v1/responses');
    assert.equal(exchange?.requestBody, '{"model":"m"}');
    assert.equal(exchange?.requestHeaders.authorization, 'Bearer k');
    assert.deepEqual(exchange?.events, ['response.created', 'response.completed']);
    const refused = await fetch(`${proxy.url}/refuse`, { method: 'POST', body: '{}' });
    assert.equal(refused.status, 400);
    assert.equal(await refused.text(), '{"error":{"code":"nope"}}');
    assert.equal(proxy.http('POST', '/refuse')[0]?.status, 400);
  });

  it('records a switched upgrade with the messages of both sides, declining compression', async () => {
    const received = await new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/v1/responses`, { headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
      } });
      req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
        const chunks = [head];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks)));
        socket.write(frame(1, Buffer.from('{"type":"response.create","input":[]}'), { mask: Buffer.from([9, 8, 7, 6]) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(upgradeHeaders['sec-websocket-extensions'], undefined);
    assert.deepEqual(new WsFrameReader().push(received).map((m) => m.payload.toString()), ['{"type":"response.created"}', '{"type":"response.completed"}']);
    const [upgrade] = proxy.upgrades();
    assert.equal(upgrade?.status, 101);
    assert.deepEqual(upgrade?.clientMessages, [{ type: 'response.create', input: [] }]);
    assert.deepEqual(upgrade?.serverMessages.map((m) => m['type']), ['response.created', 'response.completed']);
    assert.equal(upgrade?.unreadableFrames, 0);
  });

  it('records a refused upgrade', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/no-ws`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 426);
    assert.equal(proxy.upgrades().find((u) => u.path === '/no-ws')?.status, 426);
  });
});
