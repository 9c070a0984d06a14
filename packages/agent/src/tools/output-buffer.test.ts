import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputBuffer } from './output-buffer.js';

describe('OutputBuffer', () => {
  it('keeps everything under the limit, across chunks', () => {
    const buffer = new OutputBuffer(10);
    buffer.push(Buffer.from('abc'));
    buffer.push(Buffer.from('defghij'));
    assert.deepEqual(buffer.finish(), { output: 'abcdefghij', outputBytes: 10, truncated: false });
  });

  it('keeps the head and the tail with the omitted count between', () => {
    const buffer = new OutputBuffer(6);
    for (const chunk of ['abcd', 'efgh', 'ijkl', 'mn']) buffer.push(Buffer.from(chunk));
    assert.deepEqual(buffer.finish(), { output: 'abc\n[... 8 bytes omitted ...]\nlmn', outputBytes: 14, truncated: true });
  });

  it('never cuts a multi-byte character in half', () => {
    const buffer = new OutputBuffer(8);
    buffer.push(Buffer.from('€€€€€€'));
    const { output } = buffer.finish();
    assert.equal(output, '€\n[... 12 bytes omitted ...]\n€');
  });
});
