import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { errorOf } from './testing/sse-frames.js';
import { startTestServer, TEST_MODEL, type TestServer } from './testing/test-server.js';

interface RawAnswer { status: number; headers: string; body: string; writeError: string | undefined }

/**
 * Sends `head` (and then `body` chunks, as fast as the socket takes them) on a raw TCP socket
 * and reads whatever comes back until the server closes or the answer is complete.
 */
async function rawExchange(url: string, head: string, body?: { chunks: number; chunk: Buffer }): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = Buffer.alloc(0);
  let writeError: string | undefined;
  socket.on('data', (chunk: Buffer) => { received = Buffer.concat([received, chunk]); });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', (error: NodeJS.ErrnoException) => { writeError ??= error.code ?? error.message; });
  socket.write(head);
  if (body) {
    for (let sent = 0; sent < body.chunks && !socket.destroyed; sent += 1) {
      const frame = Buffer.concat([Buffer.from(`${body.chunk.length.toString(16)}\r\n`), body.chunk, Buffer.from('\r\n')]);
      if (!socket.write(frame)) await new Promise<void>((resolve) => { socket.once('drain', resolve); socket.once('close', resolve); });
    }
    if (!socket.destroyed) socket.write('0\r\n\r\n');
  }
  const complete = (): boolean => {
    const end = received.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const length = /content-length: (\d+)/i.exec(received.subarray(0, end).toString('latin1'))?.[1];
    return length !== undefined && received.length >= end + 4 + Number(length);
  };
  await Promise.race([closed, new Promise<void>((resolve) => {
    const check = (): void => { if (complete()) resolve(); };
    socket.on('data', check);
    check();
  })]);
  socket.destroy();
  const text = received.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), headers: text.slice(0, end), body: text.slice(end + 4), writeError };
}

void describe('errors Node answers itself, and oversized uploads', () => {
  let t: TestServer;
  let hostHeader: string;
  before(async () => {
    t = await startTestServer();
    hostHeader = new URL(t.url).host;
  });
  after(async () => { await t.server.close(); });

  void it('answers a 64 KB header with a 431 JSON error body', async () => {
    const answer = await rawExchange(t.url, `GET /v1/models HTTP/1.1\r\nHost: ${hostHeader}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    assert.equal(answer.status, 431);
    assert.match(answer.headers, /content-type: application\/json/i);
    assert.equal(errorOf(JSON.parse(answer.body)).code, 'request_headers_too_large');
  });

  void it('answers an unknown method (BREW) with a 400 JSON error body', async () => {
    const answer = await rawExchange(t.url, `BREW /v1/responses HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
    assert.equal(answer.status, 400);
    const error = errorOf(JSON.parse(answer.body));
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'invalid_method');
  });

  void it('answers a malformed header line with a 400 JSON error body', async () => {
    const answer = await rawExchange(t.url, `GET /v1/models HTTP/1.1\r\nHost: ${hostHeader}\r\nNot A Header\r\n\r\n`);
    assert.equal(answer.status, 400);
    assert.equal(errorOf(JSON.parse(answer.body)).code, 'malformed_request');
  });

  void it('lets a client still sending a 50 MB chunked body read its 413, then keeps serving', async () => {
    const head = `POST /v1/responses HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const answer = await rawExchange(t.url, head, { chunks: 50 * 16, chunk: Buffer.alloc(64 * 1024, 0x20) });
    assert.equal(answer.status, 413);
    assert.equal(errorOf(JSON.parse(answer.body)).code, 'request_too_large');
    assert.equal(answer.writeError, undefined, 'the upload ran to its end without a reset');
    const next = await fetch(`${t.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: TEST_MODEL, input: 'x' }) });
    assert.equal(next.status, 200);
  });
});
