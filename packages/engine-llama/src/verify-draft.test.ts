import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GrammarProbe } from './grammar-probe.js';
import { acceptedDraftLength, constrainedAcceptance, grammarAllowedPrefix } from './verify-draft.js';

void describe('acceptedDraftLength', () => {
  void it('accepts the longest prefix where the model\'s greedy token equals the draft', () => {
    assert.equal(acceptedDraftLength([5, 6, 7, 8], [5, 6, 7]), 3);
    assert.equal(acceptedDraftLength([5, 9, 7, 8], [5, 6, 7]), 1);
    assert.equal(acceptedDraftLength([4, 6, 7, 8], [5, 6, 7]), 0, 'later agreement does not count after a mismatch');
    assert.equal(acceptedDraftLength([4], []), 0);
  });
});

/**
 * A toy grammar over token ids: `allowed[n]` is what it allows after n accepted tokens (any id
 * once past the end). Records what it was advanced by, to show that the walk follows the draft.
 */
function toyGrammar(allowed: readonly (readonly number[])[]): GrammarProbe & { accepted: number[] } {
  const accepted: number[] = [];
  return {
    accepted,
    allows: (token) => allowed[accepted.length]?.includes(token) ?? true,
    accept: (token) => {
      if (!(allowed[accepted.length]?.includes(token) ?? true)) throw new Error(`token ${token} is not allowed here`);
      accepted.push(token);
    },
  };
}

void describe('constrainedAcceptance', () => {
  void it('without a grammar, is plain greedy acceptance with the model\'s token as the bonus', () => {
    assert.deepEqual(constrainedAcceptance([5, 6, 7, 8], [5, 6, 7], undefined), { accepted: 3, bonus: true });
    assert.deepEqual(constrainedAcceptance([5, 9, 7, 8], [5, 6, 7], undefined), { accepted: 1, bonus: true });
  });

  void it('accepts a draft token only where the grammar allows the model\'s greedy token there, which then is the constrained argmax', () => {
    const grammar = toyGrammar([[5], [6, 9], [7], [8]]);
    assert.deepEqual(constrainedAcceptance([5, 6, 7, 8], [5, 6, 7], grammar), { accepted: 3, bonus: true });
    assert.deepEqual(grammar.accepted, [5, 6, 7], 'the grammar walked the accepted draft, not the bonus');
    // The model prefers 9 where the draft has 6; the grammar allows 9, so 9 is what plain decoding emits.
    assert.deepEqual(constrainedAcceptance([5, 9, 7, 8], [5, 6, 7], toyGrammar([[5], [6, 9]])), { accepted: 1, bonus: true });
  });

  void it('stops without a bonus where the grammar rules out the model\'s greedy token, even when the draft token is allowed there', () => {
    // After 5 the model wants 4 (say, a raw newline inside a JSON string); the grammar only allows
    // 6 and 9. Plain decoding would take the best allowed token, which the batch does not show.
    assert.deepEqual(constrainedAcceptance([5, 4, 7, 8], [5, 6, 7], toyGrammar([[5], [6, 9]])), { accepted: 1, bonus: false });
    // The model's token equals the draft token, but the grammar rules it out: not accepted.
    assert.deepEqual(constrainedAcceptance([3, 6], [3], toyGrammar([[5]])), { accepted: 0, bonus: false });
    // Past the draft: the bonus position is checked like any other.
    assert.deepEqual(constrainedAcceptance([5, 4], [5], toyGrammar([[5], [6]])), { accepted: 1, bonus: false });
    assert.deepEqual(constrainedAcceptance([5, 6], [5], toyGrammar([[5], [6]])), { accepted: 1, bonus: true });
  });

  void it('an empty draft yields the model\'s token where the grammar allows it, and nothing where it does not', () => {
    assert.deepEqual(constrainedAcceptance([4], [], toyGrammar([[4]])), { accepted: 0, bonus: true });
    assert.deepEqual(constrainedAcceptance([4], [], toyGrammar([[5]])), { accepted: 0, bonus: false });
  });
});

void describe('grammarAllowedPrefix', () => {
  void it('cuts a draft at the first token the grammar rules out, walking the grammar along the rest', () => {
    assert.equal(grammarAllowedPrefix([5, 6, 7], toyGrammar([[5], [6], [1]])), 2);
    assert.equal(grammarAllowedPrefix([5, 6, 7], toyGrammar([[4]])), 0);
    assert.equal(grammarAllowedPrefix([5, 6, 7], toyGrammar([])), 3);
  });
});
