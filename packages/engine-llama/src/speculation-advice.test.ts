import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CatalogEntry } from './model-registry/catalog.js';
import { GGML_TYPE } from './model-registry/ggml-type.js';
import { buildGguf } from './model-registry/testing/build-gguf.js';
import { q4_KBlocks, tinyQ4Gguf } from './model-registry/testing/tiny-q4-gguf.js';
import { withTempDir } from './model-registry/testing/with-temp-dir.js';
import { speculationAdvice } from './speculation-advice.js';

const CATALOG: CatalogEntry[] = [
  { alias: 'tiny', description: 'tiny', fileName: 'tiny.gguf', source: { kind: 'url', url: 'https://example.com/tiny.gguf' } },
  { alias: 'tiny-q5_k', description: 'tiny as Q5_K', fileName: 'tiny-as-q5_k.gguf', source: { kind: 'requantize', from: 'tiny', to: 'q5_k' } },
];

async function models(dir: string): Promise<{ q4_k: string; q4_1: string }> {
  const q4_k = join(dir, 'q4_k.gguf');
  const q4_1 = join(dir, 'q4_1.gguf');
  await writeFile(q4_1, buildGguf(tinyQ4Gguf()));
  await writeFile(q4_k, buildGguf(tinyQ4Gguf({ tensors: [{ name: 'blk.0.ffn_down.weight', dims: [256, 2], type: GGML_TYPE.Q4_K, data: q4_KBlocks(2, 1) }] })));
  return { q4_k, q4_1 };
}

void test('a Q4_K model capped at 3 tokens on x86 is pointed at its Q5_K variant, or told that one would help', () =>
  withTempDir('spark-advice-', async (dir) => {
    const { q4_k } = await models(dir);
    assert.deepEqual(
      await speculationAdvice({ id: 'tiny', path: q4_k }, 3, { arch: 'x64', catalog: CATALOG }),
      { kind: 'repacked-q4_k', message: 'tiny: llama.cpp repacks its Q4_K weights on this CPU and evaluates a batch of 4 or more tokens differently from one token, so speculation verifies at most 3 token(s) a step; --model tiny-q5_k is the same weights stored as Q5_K and verifies up to 63' },
    );
    assert.match((await speculationAdvice({ id: 'mine', path: q4_k }, 1, { arch: 'x64', catalog: CATALOG }))?.message ?? '', /at most 1 token\(s\) a step; a copy with its Q4_K tensors stored as Q5_K \(the same weights\) would verify up to 63$/);
    assert.equal(await speculationAdvice({ id: 'tiny', path: q4_k }, 63, { arch: 'x64', catalog: CATALOG }), undefined);
  }));

void test('without repacked Q4_K weights only a limit of 1 is worth a word', () =>
  withTempDir('spark-advice-', async (dir) => {
    const { q4_k, q4_1 } = await models(dir);
    assert.equal(await speculationAdvice({ id: 'tiny', path: q4_1 }, 3, { arch: 'x64', catalog: CATALOG }), undefined);
    assert.equal(await speculationAdvice({ id: 'tiny', path: q4_k }, 3, { arch: 'arm64', catalog: CATALOG }), undefined);
    const none = await speculationAdvice({ id: 'tiny', path: q4_1 }, 1, { arch: 'x64', catalog: CATALOG });
    assert.ok(none !== undefined && none.kind === 'no-batch');
    assert.match(none.message, /^tiny: no verification batch computes close enough to one-token steps here/);
  }));
