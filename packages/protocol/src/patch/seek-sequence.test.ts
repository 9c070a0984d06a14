import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldPunctuation, seekSequence } from './seek-sequence.js';

describe('seekSequence', () => {
  const lines = ['a', '  b  ', 'c', 'b', 'c'];

  it('matches exactly first and reports every match at that rung', () => {
    assert.deepEqual(seekSequence(lines, ['b', 'c'], 0), { rung: 'exact', indices: [3] });
    assert.deepEqual(seekSequence(['x', 'y', 'x', 'y'], ['x', 'y'], 0), { rung: 'exact', indices: [0, 2] });
  });

  it('falls back to trailing, then surrounding whitespace', () => {
    assert.deepEqual(seekSequence(['a  ', 'b'], ['a', 'b'], 0), { rung: 'trim_end', indices: [0] });
    assert.deepEqual(seekSequence(lines, ['a', 'b'], 0), { rung: 'trim', indices: [0] });
  });

  it('folds typographic punctuation last', () => {
    const file = ['const s = \u201Chi\u201D \u2014 it\u2019s\u00A0ok\u2026;'];
    assert.deepEqual(seekSequence(file, ['const s = "hi" - it\'s ok...;'], 0), { rung: 'unicode', indices: [0] });
    assert.equal(foldPunctuation('\u2018a\u2019 \u2013 \u2026'), "'a' - ...");
  });

  it('searches from start and prefers the end of the file for End of File hunks', () => {
    assert.deepEqual(seekSequence(lines, ['c'], 3), { rung: 'exact', indices: [4] });
    assert.deepEqual(seekSequence(lines, ['c'], 0, { endOfFile: true }), { rung: 'exact', indices: [4] });
    assert.equal(seekSequence(lines, ['zzz'], 0), undefined);
    assert.equal(seekSequence(lines, ['a', 'b', 'c', 'd', 'e', 'f'], 0), undefined);
    assert.deepEqual(seekSequence(lines, [], 2), { rung: 'exact', indices: [2] });
  });
});
