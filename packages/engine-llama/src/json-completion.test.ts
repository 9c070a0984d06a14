import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonCompletionScanner } from './json-completion.js';

/** Feeds chunks; returns the absolute end offset, or -1. */
function scan(chunks: readonly string[]): number {
  const scanner = new JsonCompletionScanner();
  let offset = 0;
  for (const chunk of chunks) {
    const end = scanner.push(chunk);
    if (end >= 0) return offset + end;
    offset += chunk.length;
  }
  return -1;
}

describe('JsonCompletionScanner', () => {
  it('finds the end of an object streamed in pieces', () => {
    const text = '{"a": 1, "b": {"c": [1, 2]}}';
    assert.equal(scan([...text]), text.length);
    assert.equal(scan(['{"a"', ': 1, "b": {"c": [1', ', 2]}', '}']), text.length);
  });

  it('ignores braces and quotes inside strings, with escapes', () => {
    const text = '{"a": "}{ \\" ] \\\\", "b": "x"}';
    assert.equal((JSON.parse(text) as { a: string }).a, '}{ " ] \\');
    assert.equal(scan([...text]), text.length);
  });

  it('reports the end inside a chunk that carries more text', () => {
    const scanner = new JsonCompletionScanner();
    assert.equal(scanner.push('{"a": 1'), -1);
    assert.equal(scanner.push('}\n\n'), 1);
    assert.equal(scanner.done, true);
  });

  it('skips leading whitespace', () => {
    assert.equal(scan(['  \n', '[1, 2]']), 9);
  });

  it('ends top-level strings, literals and numbers', () => {
    assert.equal(scan(['"a\\"b"']), 6);
    assert.equal(scan(['tr', 'ue']), 4);
    assert.equal(scan(['null']), 4);
    assert.equal(scan(['-12.5', 'e3\n']), 7);
  });

  it('stays open on an unfinished value', () => {
    assert.equal(scan(['{"a": [1, {"b": "}"']), -1);
  });
});
