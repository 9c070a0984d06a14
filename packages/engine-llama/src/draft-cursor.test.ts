import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DraftCursor } from './draft-cursor.js';
import { TokenIndex } from './token-index.js';

/** Feeds output tokens to a cursor following `source`, as the speculator does. */
function follow(source: number[], options: { start?: number; minMatch?: number } = {}): { cursor: DraftCursor; emit: (...tokens: number[]) => void } {
  const output = new TokenIndex();
  const cursor = new DraftCursor(new TokenIndex(source), output, { minMatch: 2, maxMatch: 12, ...options });
  return {
    cursor,
    emit: (...tokens) => {
      for (const token of tokens) {
        output.push(token);
        cursor.advance(token);
      }
    },
  };
}

void describe('TokenIndex', () => {
  void it('indexes where each adjacent pair is followed, oldest first', () => {
    const index = new TokenIndex([1, 2, 3, 1, 2, 4]);
    assert.deepEqual(index.after(1, 2), [2, 5]);
    assert.deepEqual(index.after(2, 3), [3]);
    assert.deepEqual(index.after(9, 9), []);
    index.push(1);
    index.push(2);
    assert.deepEqual(index.after(1, 2), [2, 5, 8]);
  });
});

void describe('DraftCursor on a prediction', () => {
  void it('drafts from the start and moves along while the output matches', () => {
    const { cursor, emit } = follow([10, 11, 12, 13, 14], { start: 0 });
    assert.deepEqual(cursor.draft(3), [10, 11, 12]);
    emit(10, 11);
    assert.deepEqual(cursor.draft(10), [12, 13, 14]);
    assert.equal(cursor.expected(), 12);
    emit(12, 13, 14);
    assert.deepEqual(cursor.draft(4), [], 'the prediction is used up');
  });

  void it('re-aligns after a replaced token (a rename): continues where the output meets the prediction again', () => {
    // prediction: let old = f ( a , b ) ;   output: let new = f ( a , b ) ;
    const { cursor, emit } = follow([1, 50, 2, 3, 4, 5, 6, 7, 8, 9], { start: 0 });
    emit(1, 60);
    assert.deepEqual(cursor.draft(4), [], 'lost, and the output\'s last pair is not in the prediction');
    emit(2);
    assert.deepEqual(cursor.draft(4), [], 'one matching token is not enough');
    emit(3);
    assert.deepEqual(cursor.draft(4), [4, 5, 6, 7], 'two matching tokens re-anchor the cursor');
  });

  void it('re-aligns after an inserted line and after a deleted block', () => {
    const source = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const inserted = follow(source, { start: 0 });
    inserted.emit(1, 2, 3, 90, 91, 92, 4, 5);
    assert.deepEqual(inserted.cursor.draft(3), [6, 7, 8]);
    const deleted = follow(source, { start: 0 });
    deleted.emit(1, 2, 3, 8, 9);
    assert.deepEqual(deleted.cursor.draft(3), [10, 11, 12]);
  });

  void it('prefers the longest match, then the nearest place after where it was lost', () => {
    // The pair (7, 8) occurs three times; the output's last three tokens (6, 7, 8) only at the second.
    const source = [7, 8, 100, 6, 7, 8, 200, 5, 7, 8, 300];
    const longest = follow(source, { start: 0 });
    longest.emit(7, 8, 100, 1, 6, 7, 8);
    assert.deepEqual(longest.cursor.draft(1), [200]);
    // Equal matches: the first one after the point of divergence wins over earlier ones.
    const nearest = follow([3, 7, 8, 100, 4, 9, 9, 3, 7, 8, 200], { start: 0 });
    nearest.emit(3, 7, 8, 100, 4, 9, 42, 3, 7, 8);
    assert.deepEqual(nearest.cursor.draft(1), [200]);
  });

  void it('honours a longer minimum match', () => {
    const { cursor, emit } = follow([1, 2, 3, 4, 5], { minMatch: 3 });
    emit(2, 3);
    assert.deepEqual(cursor.draft(2), []);
    const three = follow([1, 2, 3, 4, 5], { minMatch: 3 });
    three.emit(1, 2, 3);
    assert.deepEqual(three.cursor.draft(2), [4, 5]);
  });
});

void describe('DraftCursor for prompt lookup', () => {
  void it('drafts from an earlier occurrence in the prompt and output, never from the output\'s own end', () => {
    const history = new TokenIndex([5, 6, 7, 8, 9, 0, 5, 6]);
    const cursor = new DraftCursor(history, history, { minMatch: 2, maxMatch: 12 });
    assert.deepEqual(cursor.draft(3), [7, 8, 9]);
    history.push(7);
    cursor.advance(7);
    assert.deepEqual(cursor.draft(2), [8, 9]);
    const alone = new TokenIndex([1, 2, 3]);
    assert.deepEqual(new DraftCursor(alone, alone, { minMatch: 2, maxMatch: 12 }).draft(3), []);
  });

  void it('repeats a match that runs into the history\'s end, as an overlapping copy (a repeated line, a loop)', () => {
    const history = new TokenIndex([7, 1, 2, 3, 1, 2, 3]);
    const cursor = new DraftCursor(history, history, { minMatch: 2, maxMatch: 12 });
    assert.deepEqual(cursor.draft(8), [1, 2, 3, 1, 2, 3, 1, 2]);
    for (const token of [1, 2, 3, 1]) {
      history.push(token);
      cursor.advance(token);
    }
    assert.deepEqual(cursor.draft(4), [2, 3, 1, 2], 'still in step after the loop went on');
    // A prediction is never extended: past its end it expects nothing.
    const output = new TokenIndex();
    const prediction = new DraftCursor(new TokenIndex([1, 2, 3]), output, { start: 0, minMatch: 2, maxMatch: 12 });
    assert.deepEqual(prediction.draft(8), [1, 2, 3]);
  });
});

void describe('DraftCursor streak', () => {
  void it('counts the tokens the source had right in a row and restarts at a departure', () => {
    const output = new TokenIndex();
    const cursor = new DraftCursor(new TokenIndex([1, 2, 3, 4, 5, 6]), output, { start: 0, minMatch: 2, maxMatch: 12 });
    for (const token of [1, 2, 3]) {
      output.push(token);
      cursor.advance(token);
    }
    assert.equal(cursor.streak, 3);
    output.push(9);
    cursor.advance(9);
    assert.equal(cursor.streak, 0);
  });

  void it('starts a re-anchored cursor at the length of the context it matched', () => {
    const { cursor, emit } = follow([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    emit(3, 4, 5, 6);
    assert.deepEqual(cursor.draft(2), [7, 8]);
    assert.equal(cursor.streak, 4, 'the output\'s last four tokens are in the source');
    emit(7);
    assert.equal(cursor.streak, 5);
    const weak = follow([1, 2, 3, 4, 5, 6], { start: 0 });
    weak.emit(1, 9, 3, 4);
    assert.deepEqual(weak.cursor.draft(1), [5]);
    assert.equal(weak.cursor.streak, 2, 'a two-token match after a departure');
  });
});
