import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { formatSseEvent, SSE_PING, SseWriter } from './sse-writer.js';
import type { StreamEventBody } from './stream-response.js';
import { parseSseFrames } from './testing/sse-frames.js';
import { startTestServer, steps, TEST_MODEL, waitFor } from './testing/test-server.js';

function delta(index: number, size: number): StreamEventBody {
  return {
    type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0,
    delta: String(index % 10).repeat(size), logprobs: [],
  };
}

void describe('formatSseEvent', () => {
  void it('frames one event as exact bytes', () => {
    assert.equal(formatSseEvent('response.created', '{"a":1}'), 'event: response.created\ndata: {"a":1}\n\n');
    assert.equal(SSE_PING, ': ping\n\n');
  });

  void it('refuses CR or LF in any field instead of splitting the frame', () => {
    assert.throws(() => formatSseEvent('a\nb', '{}'), /CR or LF/);
    assert.throws(() => formatSseEvent('a', '{}\r\ndata: x'), /single line/);
    assert.throws(() => formatSseEvent('a\r', '{}'), /CR or LF/);
  });

  void it('keeps JSON one line even when the text holds newlines', () => {
    const frame = formatSseEvent('x', JSON.stringify({ text: 'line 1\nline 2\r\n' }));
    assert.equal(frame.split('\n').length, 4);
  });
});

void describe('SseWriter', () => {
  void it('waits for drain when the client does not read, so only that stream slows down', async () => {
    const total = 80;
    const size = 256 * 1024;
    let sent = 0;
    let response: ServerResponse | undefined;
    const server = createServer((_req, res) => {
      response = res;
      const writer = new SseWriter(res, { keepAliveMs: 60_000 });
      void (async () => {
        for (let index = 0; index < total; index += 1) {
          await writer.send(delta(index, size));
          sent += 1;
        }
        writer.end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    socket.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    try {
      // With the client not reading, the writer stops at the socket's buffer and waits.
      await waitFor(() => response?.writableNeedDrain === true);
      const stalledAt = sent;
      assert.ok(stalledAt < total, `sent ${stalledAt} of ${total} while the client read nothing`);
      // Once the client reads, every event arrives, intact and in order.
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.resume();
      await new Promise<void>((resolve) => socket.on('end', resolve));
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      assert.equal(sent, total);
      const frames = parseSseFrames(decodeChunked(body));
      assert.equal(frames.length, total);
      frames.forEach((frame, index) => {
        const event = JSON.parse(frame.data) as { sequence_number: number; delta: string };
        assert.equal(event.sequence_number, index);
        assert.equal(event.delta.length, size);
      });
    } finally {
      socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

void describe('keep-alive pings', () => {
  void it('writes ": ping" comments while waiting for the first token, and the SDK ignores them', async () => {
    const t = await startTestServer({ limits: { keepAliveMs: 10 } });
    try {
      const input = steps({ type: 'delay', ms: 500 }, { type: 'text', text: 'late answer' });
      const res = await fetch(`${t.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: TEST_MODEL, input, stream: true }) });
      const frames = parseSseFrames(await res.text());
      const firstDelta = frames.findIndex((frame) => frame.event === 'response.output_text.delta');
      const pings = frames.slice(0, firstDelta).filter((frame) => frame.raw === ': ping');
      assert.ok(pings.length > 0);
      assert.ok(frames.every((frame) => frame.event !== undefined || frame.raw === ': ping'));
      const final = await t.client.responses.stream({ model: TEST_MODEL, input }).finalResponse();
      assert.equal(final.output_text, 'late answer');
    } finally {
      await t.server.close();
    }
  });
});

/** Decodes an HTTP/1.1 chunked body. */
function decodeChunked(body: string): string {
  let out = '';
  let rest = Buffer.from(body, 'utf8');
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, lineEnd).toString('ascii'), 16);
    if (!size) return out;
    out += rest.subarray(lineEnd + 2, lineEnd + 2 + size).toString('utf8');
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}
