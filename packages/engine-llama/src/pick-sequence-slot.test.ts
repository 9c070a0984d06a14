import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonPrefixLength, MIN_PREFIX_REUSE_TOKENS, pickCopySource, pickSequenceSlot, type SlotView } from './pick-sequence-slot.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const slot = (tokens: number[], lastUsed: number, extra: Partial<SlotView> = {}): SlotView => ({ busy: false, tokens, lastUsed, cacheKey: undefined, ...extra });
const long = MIN_PREFIX_REUSE_TOKENS + 10;

describe('commonPrefixLength', () => {
  it('counts shared leading tokens', () => {
    assert.equal(commonPrefixLength([1, 2, 3], [1, 2, 4]), 2);
    assert.equal(commonPrefixLength([1, 2], [1, 2, 3]), 2);
    assert.equal(commonPrefixLength([], [1]), 0);
  });
});

describe('pickSequenceSlot', () => {
  it('picks the idle slot with the longest common prefix', () => {
    const prompt = range(0, long + 20);
    const slots = [slot(range(0, long), 5), slot(range(0, long + 5), 1), slot([], 0)];
    assert.deepEqual(pickSequenceSlot(slots, prompt), { index: 1, commonPrefix: long + 5 });
  });

  it('keeps another conversation\'s long cache when only a short prefix is shared and an empty slot is free', () => {
    const other = [...range(0, long), ...range(1000, 1000 + 4 * long)];
    const prompt = [...range(0, long), ...range(5000, 5010)];
    assert.deepEqual(pickSequenceSlot([slot(other, 3), slot([], 0)], prompt), { index: 1, commonPrefix: 0 });
    // Without a free slot the short match is still better than evicting by age.
    assert.deepEqual(pickSequenceSlot([slot(other, 3)], prompt), { index: 0, commonPrefix: long });
  });

  it('skips busy slots', () => {
    const prompt = range(0, long + 20);
    const slots = [slot(range(0, long + 10), 5, { busy: true }), slot(range(0, long), 1)];
    assert.deepEqual(pickSequenceSlot(slots, prompt), { index: 1, commonPrefix: long });
  });

  it('takes the least recently used slot when no prefix is worth keeping, empty ones first', () => {
    const prompt = [1, 2, 3, 99];
    const slots = [slot([1, 2, 3, 4], 7), slot([1, 2, 8], 3), slot([], 0)];
    assert.deepEqual(pickSequenceSlot(slots, prompt), { index: 2, commonPrefix: 0 });
    const full = [slot([1, 2, 3, 4], 7), slot([1, 9], 3)];
    assert.deepEqual(pickSequenceSlot(full, prompt), { index: 1, commonPrefix: 1 });
  });

  it('breaks ties by cache key, then by least recent use', () => {
    const prompt = range(0, long);
    const slots = [slot(range(0, long), 2), slot(range(0, long), 9, { cacheKey: 'k' }), slot(range(0, long), 1)];
    assert.equal(pickSequenceSlot(slots, prompt, 'k')?.index, 1);
    assert.equal(pickSequenceSlot(slots, prompt)?.index, 2);
  });

  it('returns undefined when every slot is busy', () => {
    assert.equal(pickSequenceSlot([slot([], 0, { busy: true })], [1]), undefined);
  });
});

describe('pickCopySource', () => {
  const prompt = range(0, 600);

  it('names a busy slot that holds a much longer prefix than the picked one', () => {
    const slots = [slot(range(0, 500), 3, { busy: true }), slot([], 0)];
    const pick = pickSequenceSlot(slots, prompt);
    assert.deepEqual(pick, { index: 1, commonPrefix: 0 });
    assert.deepEqual(pickCopySource(slots, prompt, pick, 256), { index: 0, commonPrefix: 500 });
  });

  it('copies nothing when the saving is under the threshold', () => {
    const slots = [slot(range(0, 500), 3, { busy: true }), slot(range(0, 300), 1)];
    const pick = pickSequenceSlot(slots, prompt);
    assert.deepEqual(pick, { index: 1, commonPrefix: 300 });
    assert.equal(pickCopySource(slots, prompt, pick, 256), undefined);
    assert.deepEqual(pickCopySource(slots, prompt, pick, 200), { index: 0, commonPrefix: 500 });
  });

  it('never proposes an idle slot: the pick already has the best idle prefix', () => {
    const slots = [slot(range(0, 500), 3), slot([], 0)];
    const pick = pickSequenceSlot(slots, prompt);
    assert.ok(pick);
    assert.equal(pickCopySource(slots, prompt, pick, 256), undefined);
  });
});
