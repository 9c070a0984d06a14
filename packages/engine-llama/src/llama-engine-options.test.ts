import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_REPEAT_LAST_TOKENS, resolveEngineOptions } from './llama-engine-options.js';

const models = [{ id: 'm', path: '/m.gguf' }];

void test('decoding uses every thread on binaries with a thread pool, half of them on the prebuilt ones', () => {
  assert.equal(resolveEngineOptions({ models, threads: 8 }, true).decodeThreads, 8);
  assert.equal(resolveEngineOptions({ models, threads: 8 }, false).decodeThreads, 4);
  assert.equal(resolveEngineOptions({ models, threads: 1 }, false).decodeThreads, 1);
  assert.equal(resolveEngineOptions({ models, threads: 8 }).decodeThreads, 4, 'without a known build: the prebuilt default');
});

void test('an explicit decode thread count wins on any build, capped at threads', () => {
  assert.equal(resolveEngineOptions({ models, threads: 4, decodeThreads: 1 }, true).decodeThreads, 1);
  assert.equal(resolveEngineOptions({ models, threads: 4, decodeThreads: 3 }, false).decodeThreads, 3);
  assert.equal(resolveEngineOptions({ models, threads: 2, decodeThreads: 6 }, true).decodeThreads, 2);
  assert.equal(resolveEngineOptions({ models, threads: 4, decodeThreads: 0 }, true).decodeThreads, 4, '0 = the default');
  assert.throws(() => resolveEngineOptions({ models, decodeThreads: -1 }, true), RangeError);
});

test('repetition penalties: off at their neutral values, validated, with llama.cpp defaults', () => {
  assert.equal(resolveEngineOptions({ models }).repeatPenalty, undefined);
  assert.equal(resolveEngineOptions({ models, repeatPenalty: { penalty: 1 } }).repeatPenalty, undefined, '1 divides nothing');
  assert.deepEqual(resolveEngineOptions({ models, repeatPenalty: { penalty: 1.1 } }).repeatPenalty, { penalty: 1.1, lastTokens: DEFAULT_REPEAT_LAST_TOKENS });
  assert.throws(() => resolveEngineOptions({ models, repeatPenalty: { penalty: 0 } }), RangeError);
  assert.throws(() => resolveEngineOptions({ models, repeatPenalty: { penalty: 1.1, presencePenalty: 2 } }), RangeError);
  assert.equal(resolveEngineOptions({ models, dryRepeatPenalty: { strength: 0 } }).dryRepeatPenalty, undefined);
  assert.deepEqual(resolveEngineOptions({ models, dryRepeatPenalty: { strength: 0.8 } }).dryRepeatPenalty, { strength: 0.8 });
  assert.throws(() => resolveEngineOptions({ models, dryRepeatPenalty: { strength: -1 } }), RangeError);
});
