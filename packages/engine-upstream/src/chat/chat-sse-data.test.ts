import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseDataReader } from './chat-sse-data.js';

/** The data of the events that `reads`, pushed one by one, complete. */
async function events(reads: readonly string[]): Promise<string[]> {
  const reader = new SseDataReader(1024);
  const out: string[] = [];
  for (const read of reads) reader.push(new TextEncoder().encode(read), out);
  return Promise.resolve(out);
}

/** Every way to cut `text` into two reads. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => [text.slice(0, at), text.slice(at)]);
}

void describe('SseDataReader', () => {
  const stream = ': keep-alive\n\ndata: {"a":1}\n\nevent: x\ndata: first\ndata: second\n\ndata:[DONE]\n\ntrailing';
  const expected = ['{"a":1}', 'first\nsecond', '[DONE]'];

  void it('reads LF, CRLF and CR line ends the same, however the bytes are cut', async () => {
    for (const text of [stream, stream.replaceAll('\n', '\r\n'), stream.replaceAll('\n', '\r')]) {
      for (const reads of splits(text)) assert.deepEqual(await events(reads), expected, JSON.stringify(reads));
      assert.deepEqual(await events([...text]), expected);
    }
  });

  void it('refuses a line longer than its limit', async () => {
    await assert.rejects(events([`data: ${'x'.repeat(2048)}`]), /over 1024 bytes/);
  });
});
