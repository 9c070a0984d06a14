import assert from 'node:assert/strict';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BATCH_LIMIT_CACHE_ENTRIES, BatchLimitCache, parseEntries, type BatchLimitSetup } from './batch-limit-cache.js';
import { withTempDir } from './model-registry/testing/with-temp-dir.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('spark-batch-limits-', run);

async function setupIn(dir: string): Promise<BatchLimitSetup> {
  const modelPath = join(dir, 'model.gguf');
  await writeFile(modelPath, 'GGUF weights');
  return { modelPath, build: 'v1 | prebuilt | false | AVX2 = 1', decodeThreads: 1, verifyThreads: 2, flashAttention: true, tolerance: 0.05, maxBatchTokens: 63, probe: 'abc' };
}

void test('a stored limit is found again for the same setup only', () =>
  withDir(async (dir) => {
    const setup = await setupIn(dir);
    const cache = new BatchLimitCache(join(dir, 'sub', 'limits.json'));
    assert.equal(await cache.get(setup), undefined);
    await cache.set(setup, 23);
    assert.equal(await new BatchLimitCache(cache.file).get(setup), 23);
    for (const changed of [{ build: 'v2' }, { decodeThreads: 2 }, { verifyThreads: 1 }, { flashAttention: false }, { tolerance: 0 }, { maxBatchTokens: 32 }, { probe: 'def' }]) {
      assert.equal(await cache.get({ ...setup, ...changed }), undefined, JSON.stringify(changed));
    }
    await cache.set({ ...setup, tolerance: 0 }, 3);
    assert.equal(await cache.get(setup), 23);
    assert.equal(await cache.get({ ...setup, tolerance: 0 }), 3);
    await cache.set(setup, 40);
    assert.equal(await cache.get(setup), 40);
    assert.equal(parseEntries(await readFile(cache.file, 'utf8')).length, 2);
  }));

void test('a model file that was replaced or touched is measured again', () =>
  withDir(async (dir) => {
    const setup = await setupIn(dir);
    const cache = new BatchLimitCache(join(dir, 'limits.json'));
    await cache.set(setup, 23);
    await utimes(setup.modelPath, new Date(), new Date(Date.now() + 5000));
    assert.equal(await cache.get(setup), undefined);
    await cache.set(setup, 23);
    await writeFile(setup.modelPath, 'GGUF other weights');
    assert.equal(await cache.get(setup), undefined);
  }));

void test('a malformed file reads as empty and the next write replaces it; bad entries are skipped', () =>
  withDir(async (dir) => {
    const setup = await setupIn(dir);
    const cache = new BatchLimitCache(join(dir, 'limits.json'));
    for (const text of ['', 'not json', '[]', '{"version":2,"entries":[]}', '{"version":1,"entries":{}}', 'null']) {
      await writeFile(cache.file, text);
      assert.equal(await cache.get(setup), undefined, text);
    }
    await cache.set(setup, 7);
    assert.equal(await cache.get(setup), 7);
    assert.deepEqual(parseEntries('{"version":1,"entries":[{"key":"a","limit":0},{"key":"b","limit":2.5},{"key":3,"limit":4},null,{"key":"c","limit":5}]}'), [{ key: 'c', limit: 5 }]);
  }));

void test(`the file keeps the last ${BATCH_LIMIT_CACHE_ENTRIES} measurements`, () =>
  withDir(async (dir) => {
    const setup = await setupIn(dir);
    const cache = new BatchLimitCache(join(dir, 'limits.json'));
    for (let threads = 1; threads <= BATCH_LIMIT_CACHE_ENTRIES + 2; threads += 1) await cache.set({ ...setup, decodeThreads: threads }, threads);
    assert.equal(parseEntries(await readFile(cache.file, 'utf8')).length, BATCH_LIMIT_CACHE_ENTRIES);
    assert.equal(await cache.get({ ...setup, decodeThreads: 2 }), undefined);
    assert.equal(await cache.get({ ...setup, decodeThreads: 3 }), 3);
    assert.equal(await cache.get({ ...setup, decodeThreads: BATCH_LIMIT_CACHE_ENTRIES + 2 }), BATCH_LIMIT_CACHE_ENTRIES + 2);
  }));

void test('a cache that cannot be written costs nothing but the next measurement', () =>
  withDir(async (dir) => {
    const setup = await setupIn(dir);
    // A file where its folder should be: not even root can create the cache there.
    const cache = new BatchLimitCache(join(setup.modelPath, 'limits.json'));
    await cache.set(setup, 9);
    assert.equal(await cache.get(setup), undefined);
    assert.deepEqual((await readdir(dir)).sort(), ['model.gguf']);
  }));
