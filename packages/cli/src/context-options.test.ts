import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MEMORY_BUDGET_SHARE, describeModelMemory, parseKvCacheFlags, parseMemoryBudget, parseRopeScaling, parseSwaCache } from './context-options.js';

const GiB = 2 ** 30;

void test('--memory-budget takes sizes and shares of RAM, and defaults to a share', () => {
  assert.equal(parseMemoryBudget('8G', 32 * GiB).bytes, 8 * GiB);
  assert.equal(parseMemoryBudget('8GiB', 32 * GiB).bytes, 8 * GiB);
  assert.equal(parseMemoryBudget('512m', 32 * GiB).bytes, 512 * 2 ** 20);
  assert.equal(parseMemoryBudget('1.5GB', 32 * GiB).bytes, 1.5 * GiB);
  assert.equal(parseMemoryBudget('1000', 32 * GiB).bytes, 1000);
  assert.equal(parseMemoryBudget('25%', 32 * GiB).bytes, 8 * GiB);
  assert.equal(parseMemoryBudget(undefined, 32 * GiB).bytes, 32 * GiB * DEFAULT_MEMORY_BUDGET_SHARE);
  for (const bad of ['', 'lots', '-1G', '0', '150%', '8X']) assert.throws(() => parseMemoryBudget(bad, 32 * GiB), /--memory-budget/, bad);
});

void test('--kv-cache-type sets K and V; the per-tensor flags win; bad names are refused', () => {
  assert.deepEqual(parseKvCacheFlags(undefined, undefined, undefined), {});
  assert.deepEqual(parseKvCacheFlags('q8_0', undefined, undefined), { kvCacheKeyType: 'q8_0', kvCacheValueType: 'q8_0' });
  assert.deepEqual(parseKvCacheFlags('q8_0', 'q4_0', undefined), { kvCacheKeyType: 'q4_0', kvCacheValueType: 'q8_0' });
  assert.deepEqual(parseKvCacheFlags(undefined, undefined, 'q4_0'), { kvCacheValueType: 'q4_0' });
  assert.throws(() => parseKvCacheFlags('q3_k', undefined, undefined), /--kv-cache-type must be one of f16, q8_0, q4_0, got 'q3_k'/);
});

void test('--swa-cache picks window-sized or full sliding-window caches; anything else is refused', () => {
  assert.deepEqual(parseSwaCache(undefined), {});
  assert.deepEqual(parseSwaCache('window'), { swaFullCache: false });
  assert.deepEqual(parseSwaCache('full'), { swaFullCache: true });
  assert.throws(() => parseSwaCache('half'), /--swa-cache must be full or window, got 'half'/);
});

void test('--rope-scaling yarn needs a factor; the factor alone is refused', () => {
  assert.deepEqual(parseRopeScaling(undefined, undefined, undefined), {});
  assert.deepEqual(parseRopeScaling('yarn', '4', '32768'), { ropeScaling: { type: 'yarn', factor: 4, originalContextSize: 32768 } });
  assert.throws(() => parseRopeScaling('yarn', undefined, undefined), /needs --rope-scale/);
  assert.throws(() => parseRopeScaling('linear', '2', undefined), /must be yarn/);
  assert.throws(() => parseRopeScaling(undefined, '4', undefined), /need --rope-scaling yarn/);
});

void test('the start report says the window, why, and what it costs', () => {
  const line = describeModelMemory({
    id: 'gemma3-270m', weightsBytes: 0.24e9, contextBytes: 2.47e9, sequences: 4, contextSize: 32768, trainContextSize: 32768, maxContextSize: 32768,
    windowReason: 'full', kvCache: { key: 'f16', value: 'f16' }, memoryBudgetBytes: 8e9,
  }, { bytes: 8e9, source: '--memory-budget' });
  assert.equal(line, "gemma3-270m: 4 x 32768 tokens (the model's whole trained window), KV f16 + buffers 2.5 GB (estimated), weights 0.24 GB (mapped); budget 8.0 GB (--memory-budget)");
});
