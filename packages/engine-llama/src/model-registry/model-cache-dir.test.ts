import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { modelAliasDir } from './model-alias-dir.js';
import { modelCacheDir } from './model-cache-dir.js';

void test('SPARK_CACHE_DIR, then XDG_CACHE_HOME/spark, then ~/.cache/spark; empty counts as unset', () => {
  assert.equal(modelCacheDir({ SPARK_CACHE_DIR: '/srv/spark', XDG_CACHE_HOME: '/xdg' }), '/srv/spark/models');
  assert.equal(modelCacheDir({ SPARK_CACHE_DIR: '', XDG_CACHE_HOME: '/xdg' }), '/xdg/spark/models');
  assert.equal(modelCacheDir({}), join(homedir(), '.cache', 'spark', 'models'));
});

void test('aliases are one plain path segment', () => {
  assert.equal(modelAliasDir('qwen2.5-coder-1.5b', { SPARK_CACHE_DIR: '/c' }), '/c/models/qwen2.5-coder-1.5b');
  for (const bad of ['..', '.hidden', 'a/b', 'a\\b', '', 'x'.repeat(200)]) {
    assert.throws(() => modelAliasDir(bad, { SPARK_CACHE_DIR: '/c' }), { code: 'invalid_model_spec' }, bad);
  }
});
