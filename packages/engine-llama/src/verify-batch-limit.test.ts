import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probabilityDeviation } from './verify-batch-limit.js';

void describe('probabilityDeviation', () => {
  void it('is 0 only when the top two probabilities are equal bit for bit', () => {
    const single = new Map([[5, 0.6], [9, 0.3], [2, 0.05]]);
    assert.equal(probabilityDeviation(single, new Map([[5, 0.6], [9, 0.3], [7, 0.01]])), 0);
    assert.ok(probabilityDeviation(single, new Map([[5, 0.6 + 1e-12], [9, 0.3]])) > 0);
  });

  void it('is the largest difference over the one-token step\'s top two, whatever the batch ranks first', () => {
    const single = new Map([[5, 0.4], [9, 0.35], [2, 0.2]]);
    // The batch ranks 9 first (a near-tie flip) and moves the third token a lot: only the top two count.
    const deviation = probabilityDeviation(single, new Map([[9, 0.38], [5, 0.37], [2, 0.01]]));
    assert.ok(Math.abs(deviation - 0.03) < 1e-12, String(deviation));
  });

  void it('is 1 when a top token is missing from the batch\'s list, or a list is', () => {
    const single = new Map([[5, 0.6], [9, 0.3]]);
    assert.equal(probabilityDeviation(single, new Map([[5, 0.6], [4, 0.3]])), 1);
    assert.equal(probabilityDeviation(single, undefined), 1);
    assert.equal(probabilityDeviation(undefined, single), 1);
    assert.equal(probabilityDeviation(new Map(), single), 1);
  });
});
