import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { catalogEntryForUrl } from './catalog-entry-for-url.js';
import { removeModel } from './remove-model.js';

void test('removes the alias folder with its stamp and partial files; false when absent', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'spark-rm-'));
  try {
    const env = { SPARK_CACHE_DIR: cache };
    const dir = join(cache, 'models', 'tiny');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'tiny.gguf'), 'GGUF');
    await writeFile(join(dir, 'tiny.gguf.verified'), '{}');
    await writeFile(join(dir, 'other.gguf.part'), 'GG');
    await mkdir(join(cache, 'models', 'keep'));
    assert.equal(await removeModel('tiny', { env }), true);
    assert.deepEqual(await readdir(join(cache, 'models')), ['keep']);
    assert.equal(await removeModel('tiny', { env }), false);
  } finally {
    await rm(cache, { recursive: true });
  }
});

void test('a URL removes the alias it was pulled under; path-like aliases are refused', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'spark-rm-'));
  try {
    const env = { SPARK_CACHE_DIR: cache };
    const url = 'https://example.com/models/x.gguf';
    await mkdir(join(cache, 'models', catalogEntryForUrl(url).alias), { recursive: true });
    assert.equal(await removeModel(url, { env }), true);
    assert.deepEqual(await readdir(join(cache, 'models')), []);
    await assert.rejects(removeModel('..', { env }), { code: 'invalid_model_spec' });
    await assert.rejects(removeModel('../models', { env }), { code: 'invalid_model_spec' });
  } finally {
    await rm(cache, { recursive: true });
  }
});
