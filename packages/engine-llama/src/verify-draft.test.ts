import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptedDraftLength } from './verify-draft.js';

void describe('acceptedDraftLength', () => {
  void it('accepts the longest prefix where the model\'s greedy token equals the draft', () => {
    assert.equal(acceptedDraftLength([5, 6, 7, 8], [5, 6, 7]), 3);
    assert.equal(acceptedDraftLength([5, 9, 7, 8], [5, 6, 7]), 1);
    assert.equal(acceptedDraftLength([4, 6, 7, 8], [5, 6, 7]), 0, 'later agreement does not count after a mismatch');
    assert.equal(acceptedDraftLength([4], []), 0);
  });
});
