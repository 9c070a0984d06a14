import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listLocalModels } from './list-local-models.js';
import { fakeGguf, sha256Of } from './testing/fake-gguf.js';
import { verifyCachedModel } from './verify-cached-model.js';

void test('lists cached models by alias, skipping partial downloads, temp folders and strays', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'spark-list-'));
  try {
    const env = { SPARK_CACHE_DIR: cache };
    const models = join(cache, 'models');
    assert.deepEqual(await listLocalModels({ env }), []);
    const small = fakeGguf(500, 1);
    await mkdir(join(models, 'smollm2-135m'), { recursive: true });
    await writeFile(join(models, 'smollm2-135m', 'SmolLM2-135M-Instruct.Q4_1.gguf'), small);
    await mkdir(join(models, 'by-url-1234abcd'));
    await writeFile(join(models, 'by-url-1234abcd', 'x.gguf'), fakeGguf(300, 2));
    await mkdir(join(models, 'half'));
    await writeFile(join(models, 'half', 'half.gguf.part'), 'GGUF');
    await mkdir(join(models, '.pull-abc'));
    await writeFile(join(models, 'stray.txt'), 'x');

    const listed = await listLocalModels({ env });
    assert.deepEqual(listed, [
      { alias: 'by-url-1234abcd', path: join(models, 'by-url-1234abcd', 'x.gguf'), sizeBytes: 300 },
      { alias: 'smollm2-135m', path: join(models, 'smollm2-135m', 'SmolLM2-135M-Instruct.Q4_1.gguf'), sizeBytes: 500 },
    ]);

    // A current .verified stamp adds the checksum; a touched file drops it.
    const path = join(models, 'by-url-1234abcd', 'x.gguf');
    await verifyCachedModel(path, { alias: 'by-url-1234abcd' });
    assert.equal((await listLocalModels({ env }))[0]?.sha256, sha256Of(fakeGguf(300, 2)));
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    assert.equal((await listLocalModels({ env }))[0]?.sha256, undefined);
  } finally {
    await rm(cache, { recursive: true });
  }
});
