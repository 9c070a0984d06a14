import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEngineOptions } from './llama-engine-options.js';

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
