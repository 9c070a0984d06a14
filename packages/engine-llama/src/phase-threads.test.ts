import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhaseThreads } from './phase-threads.js';

describe('PhaseThreads', () => {
  it('uses decode threads when idle and prefill threads while any prefill runs', () => {
    const cap = { maxThreads: 0 };
    const threads = new PhaseThreads(cap, 4, 2);
    assert.equal(cap.maxThreads, 2);
    const endA = threads.beginPrefill();
    const endB = threads.beginPrefill();
    assert.equal(cap.maxThreads, 4);
    endA();
    assert.equal(cap.maxThreads, 4);
    endA();
    assert.equal(cap.maxThreads, 4, 'ending twice counts once');
    endB();
    assert.equal(cap.maxThreads, 2);
  });
});

describe('PhaseThreads verification batches', () => {
  it('uses verification threads during a verification batch unless a prefill runs', () => {
    const cap = { maxThreads: 0 };
    const threads = new PhaseThreads(cap, 4, 1, 2);
    const endVerify = threads.beginVerify();
    assert.equal(cap.maxThreads, 2);
    const endPrefill = threads.beginPrefill();
    assert.equal(cap.maxThreads, 4);
    endPrefill();
    assert.equal(cap.maxThreads, 2);
    endVerify();
    assert.equal(cap.maxThreads, 1);
  });
});
