import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GgmlType } from 'node-llama-cpp';
import { ggmlKvCacheType, parseKvCacheType, validateKvCacheTypes } from './kv-cache-type.js';
import { resolveEngineOptions } from './llama-engine-options.js';

const models = [{ id: 'm', path: '/m.gguf' }];

void test('KV cache types parse from their llama.cpp names and nothing else', () => {
  assert.equal(parseKvCacheType('--kv-cache-type', 'q8_0'), 'q8_0');
  assert.equal(parseKvCacheType('--kv-cache-type', 'Q4_0'), 'q4_0');
  assert.throws(() => parseKvCacheType('--kv-cache-type', 'q5_1'), /--kv-cache-type must be one of f16, q8_0, q4_0, got 'q5_1'/);
  assert.equal(ggmlKvCacheType('f16'), GgmlType.F16);
  assert.equal(ggmlKvCacheType('q8_0'), GgmlType.Q8_0);
  assert.equal(ggmlKvCacheType('q4_0'), GgmlType.Q4_0);
});

void test('a quantized V cache without flash attention is refused with the reason; a quantized K is not', () => {
  assert.throws(() => validateKvCacheTypes({ key: 'f16', value: 'q8_0' }, false), /quantized V cache \(q8_0\) needs flash attention/);
  assert.deepEqual(validateKvCacheTypes({ key: 'q4_0', value: 'f16' }, false), { key: 'q4_0', value: 'f16' });
  assert.deepEqual(validateKvCacheTypes({ key: 'q8_0', value: 'q8_0' }, true), { key: 'q8_0', value: 'q8_0' });
});

void test('engine options default to f16 K/V and check the pair at construction', () => {
  assert.deepEqual(resolveEngineOptions({ models }).kvCache, { key: 'f16', value: 'f16' });
  assert.deepEqual(resolveEngineOptions({ models, kvCacheKeyType: 'q8_0', kvCacheValueType: 'q4_0' }).kvCache, { key: 'q8_0', value: 'q4_0' });
  assert.throws(() => resolveEngineOptions({ models, kvCacheValueType: 'q4_0', flashAttention: false }), /needs flash attention/);
  // An untyped caller (JavaScript, a config file) is checked too.
  assert.throws(() => resolveEngineOptions({ models, kvCacheKeyType: 'q6_k' as 'f16' }), /kvCacheKeyType must be one of/);
});

void test('rope scaling options are checked: yarn only, a factor above 1', () => {
  assert.deepEqual(resolveEngineOptions({ models, ropeScaling: { type: 'yarn', factor: 4, originalContextSize: 32_768 } }).ropeScaling, { type: 'yarn', factor: 4, originalContextSize: 32_768 });
  assert.throws(() => resolveEngineOptions({ models, ropeScaling: { type: 'yarn', factor: 1 } }), /factor must be a number above 1/);
  assert.throws(() => resolveEngineOptions({ models, ropeScaling: { type: 'linear' as 'yarn', factor: 2 } }), /must be 'yarn'/);
});
