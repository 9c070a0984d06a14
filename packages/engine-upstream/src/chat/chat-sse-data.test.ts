import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatSseData } from './chat-sse-data.js';

async function events(reads: readonly string[]): Promise<string[]> {
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const read of reads) yield new TextEncoder().encode(read);
  }
  const out: string[] = [];
  for await (const data of chatSseData(body(), 1024)) out.push(data);
  return out;
}

/** Every way to cut `text` into two reads. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => [text.slice(0, at), text.slice(at)]);
}

void describe('chatSseData', () => {
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
