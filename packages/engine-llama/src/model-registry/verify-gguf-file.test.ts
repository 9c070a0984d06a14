import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fakeGguf } from './testing/fake-gguf.js';
import { verifyGgufFile } from './verify-gguf-file.js';
import { withTempDir } from './testing/with-temp-dir.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('spark-gguf-', run);

void test('a file starting with GGUF passes and reports its size', () =>
  withDir(async (dir) => {
    const path = join(dir, 'm.gguf');
    await writeFile(path, fakeGguf(1000));
    assert.equal((await verifyGgufFile(path)).sizeBytes, 1000);
  }));

void test('a missing path is model_not_found naming what to pass', () =>
  withDir(async (dir) => {
    const path = join(dir, 'nope.gguf');
    await assert.rejects(verifyGgufFile(path), {
      code: 'model_not_found',
      message: `File not found: ${path}. Pass a path to a .gguf file or a model alias (see \`spark models list\`).`,
    });
    await assert.rejects(verifyGgufFile(path, { alias: 'tiny' }), {
      code: 'model_not_found',
      message: `Model tiny is not downloaded (no file at ${path}). Run \`spark models pull tiny\`.`,
    });
  }));

void test('empty, truncated and non-GGUF files are model_corrupt with the fix for a cached alias', () =>
  withDir(async (dir) => {
    const path = join(dir, 'm.gguf');
    await writeFile(path, '');
    await assert.rejects(verifyGgufFile(path), {
      code: 'model_corrupt',
      message: `Model file ${path} is corrupt (empty file). Pass a path to a valid .gguf file or a model alias (see \`spark models list\`).`,
    });
    await writeFile(path, 'GGUF');
    await assert.rejects(verifyGgufFile(path), { code: 'model_corrupt', message: /\(truncated: only 4 bytes\)/ });
    await writeFile(path, Buffer.alloc(100, 0x41));
    await assert.rejects(verifyGgufFile(path, { alias: 'smollm2-135m' }), {
      code: 'model_corrupt',
      message: `Model file ${path} is corrupt (not a GGUF file: bad magic bytes). Run \`spark models rm smollm2-135m && spark models pull smollm2-135m\`.`,
    });
  }));

void test('a directory is not a model file', () =>
  withDir(async (dir) => {
    await mkdir(join(dir, 'x.gguf'));
    await assert.rejects(verifyGgufFile(join(dir, 'x.gguf')), { code: 'model_not_found', message: /is not a file/ });
  }));
