import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyHunks, computeHunks, splitLines, streamingHunks } from './edit-hunks.js';

const ORIGINAL = 'function add(a, b) {\n  return a + b;\n}\n\nfunction sub(a, b) {\n  return a - b;\n}\n';
const REWRITTEN = 'function add(a: number, b: number) {\n  return a + b;\n}\n\nfunction sub(a: number, b: number) {\n  return a - b;\n}\n';

describe('edit hunks', () => {
  it('splits lines keeping their ends, the last one possibly without', () => {
    assert.deepEqual(splitLines('a\nb\r\nc'), ['a\n', 'b\r\n', 'c']);
    assert.deepEqual(splitLines(''), []);
  });

  it('finds one hunk per changed region, a changed line being one hunk', () => {
    const hunks = computeHunks(ORIGINAL, REWRITTEN);
    assert.equal(hunks.length, 2);
    assert.deepEqual(hunks[0], { start: 0, removed: ['function add(a, b) {\n'], added: ['function add(a: number, b: number) {\n'] });
    assert.equal(hunks[1]?.start, 4);
  });

  it('applies all hunks into the rewrite, none into the original, and any subset in between', () => {
    const hunks = computeHunks(ORIGINAL, REWRITTEN);
    assert.equal(applyHunks(ORIGINAL, hunks, new Set([0, 1])), REWRITTEN);
    assert.equal(applyHunks(ORIGINAL, hunks, 'all'), REWRITTEN);
    assert.equal(applyHunks(ORIGINAL, hunks, new Set()), ORIGINAL);
    const second = applyHunks(ORIGINAL, hunks, new Set([1]));
    assert.match(second, /^function add\(a, b\)/);
    assert.match(second, /function sub\(a: number, b: number\)/);
  });

  it('handles pure insertions and deletions, at the start and the end', () => {
    const original = 'b\nc\n';
    const rewritten = 'a\nb\n';
    const hunks = computeHunks(original, rewritten);
    assert.deepEqual(hunks, [{ start: 0, removed: [], added: ['a\n'] }, { start: 1, removed: ['c\n'], added: [] }]);
    assert.equal(applyHunks(original, hunks, new Set([0])), 'a\nb\nc\n');
    assert.equal(applyHunks(original, hunks, new Set([1])), 'b\n');
  });

  it('while streaming, shows the changes of complete lines and does not call the unwritten rest deleted', () => {
    const partial = 'function add(a: number, b: number) {\n  return a + b;\n}\n\nfunction s';
    const hunks = streamingHunks(ORIGINAL, partial);
    assert.equal(hunks.length, 1);
    assert.equal(hunks[0]?.start, 0);
    assert.deepEqual(streamingHunks(ORIGINAL, 'function add'), []);
    // Complete at last: the same hunks as the finished rewrite.
    assert.deepEqual(streamingHunks(ORIGINAL, REWRITTEN), computeHunks(ORIGINAL, REWRITTEN));
  });
});
