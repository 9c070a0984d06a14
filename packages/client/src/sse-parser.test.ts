import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError } from './client-error.js';
import { SseParser, type SseMessage } from './sse-parser.js';

const encoder = new TextEncoder();

function parseAll(chunks: readonly Uint8Array[], maxEventBytes = 1024 * 1024): SseMessage[] {
  const parser = new SseParser(maxEventBytes);
  return chunks.flatMap((chunk) => parser.push(chunk));
}

/** Splits bytes at the given offsets. */
function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, index) => bytes.slice(points[index], end));
}

/** A small deterministic PRNG, so a failing split can be reproduced from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const STREAM = [
  ': ping\n\n',
  'event: response.created\ndata: {"type":"response.created","n":1}\n\n',
  'event: response.output_text.delta\r\ndata: {"delta":"h\u00e9llo \u{1F600} w\u00f6rld"}\r\n\r\n',
  'data: line one\rdata: line two\r\r',
  'data:no space\nid: 7\nretry: 100\nunknown: field\n\n',
  'event: only-type\n\n',
  'data\n\n',
  'data: [DONE]\n\n',
].join('');

const EXPECTED: SseMessage[] = [
  { event: 'response.created', data: '{"type":"response.created","n":1}', id: undefined },
  { event: 'response.output_text.delta', data: '{"delta":"h\u00e9llo \u{1F600} w\u00f6rld"}', id: undefined },
  { event: undefined, data: 'line one\nline two', id: undefined },
  { event: undefined, data: 'no space', id: '7' },
  { event: undefined, data: '', id: '7' },
  { event: undefined, data: '[DONE]', id: '7' },
];

void describe('SseParser', () => {
  void it('parses event and data fields, LF, CR and CRLF endings, comments, multi-line data and unknown fields', () => {
    assert.deepEqual(parseAll([encoder.encode(STREAM)]), EXPECTED);
  });

  void it('gives the same events for every split of the bytes: CRLF pairs, multi-byte characters and field names cut anywhere', () => {
    const bytes = encoder.encode(STREAM);
    for (let cut = 1; cut < bytes.length; cut += 1) assert.deepEqual(parseAll(splitAt(bytes, [cut])), EXPECTED, `split at ${cut}`);
    const next = random(42);
    for (let round = 0; round < 200; round += 1) {
      const cuts = Array.from({ length: 1 + Math.floor(next() * 20) }, () => Math.floor(next() * bytes.length));
      assert.deepEqual(parseAll(splitAt(bytes, cuts)), EXPECTED, `cuts ${cuts.join(',')}`);
    }
    assert.deepEqual(parseAll([...bytes].map((byte) => Uint8Array.of(byte))), EXPECTED, 'one byte at a time');
  });

  void it('never dispatches an event the stream cut off before its blank line', () => {
    assert.deepEqual(parseAll([encoder.encode('data: complete\n\ndata: cut off\n')]), [{ event: undefined, data: 'complete', id: undefined }]);
  });

  void it('does not keep a reference to the caller\'s buffer', () => {
    const parser = new SseParser(1024);
    const buffer = encoder.encode('data: abc');
    assert.deepEqual(parser.push(buffer), []);
    buffer.fill(0x78);
    assert.deepEqual(parser.push(encoder.encode('\n\n')), [{ event: undefined, data: 'abc', id: undefined }]);
  });

  void it('throws event_too_large once an event passes the limit, whether in one line, many lines or a partial line', () => {
    const limit = 64;
    const oneLine = encoder.encode(`data: ${'x'.repeat(100)}\n\n`);
    const manyLines = encoder.encode(`${'data: xxxxxxxx\n'.repeat(10)}\n`);
    for (const bytes of [oneLine, manyLines]) {
      assert.throws(() => parseAll([bytes], limit), (error: unknown) => ClientError.is(error) && error.code === 'event_too_large');
    }
    // A line that never ends is stopped before it is buffered whole.
    const parser = new SseParser(limit);
    assert.throws(() => { for (let i = 0; i < 100; i += 1) parser.push(encoder.encode('xxxxxxxx')); },
      (error: unknown) => ClientError.is(error) && error.code === 'event_too_large');
    // Events below the limit, many in a row, are fine: the count restarts at each event.
    assert.equal(parseAll([encoder.encode('data: 0123456789\n\n'.repeat(100))], limit).length, 100);
  });
});
