import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { GGML_TYPE } from './ggml-type.js';
import { dequantizeQ4_K, dequantizeQ5_K, K_BLOCK_WEIGHTS } from './k-quant-blocks.js';
import { findGgufMetadata, readGgufFile, type GgufFile, type GgufTensorInfo } from './gguf-file.js';
import { dequantizeQ4_0, dequantizeQ4_1, Q4_BLOCK_WEIGHTS, requantizeQ4_1ToQ4_0 } from './q4-blocks.js';
import { requantizeGguf } from './requantize-gguf.js';
import { buildGguf } from './testing/build-gguf.js';
import { q4_KBlocks, tinyQ4Gguf } from './testing/tiny-q4-gguf.js';
import { withTempDir } from './testing/with-temp-dir.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('spark-requantize-', run);

async function tensorBytes(path: string, file: GgufFile, tensor: GgufTensorInfo): Promise<Buffer> {
  const bytes = await readFile(path);
  return bytes.subarray(file.dataOffset + tensor.offset, file.dataOffset + tensor.offset + tensor.byteLength);
}

void test('Q4_1 tensors become Q4_0; metadata (but file_type) and other tensors are copied exactly', () =>
  withDir(async (dir) => {
    const source = join(dir, 'q4_1.gguf');
    const target = join(dir, 'q4_0.gguf');
    await writeFile(source, buildGguf(tinyQ4Gguf()));
    const progress: [number, number][] = [];
    const result = await requantizeGguf(source, target, { to: 'q4_0', onProgress: (done, total) => progress.push([done, total]) });
    assert.deepEqual(result, { converted: 2, kept: 2 });
    assert.deepEqual(await readdir(dir), ['q4_0.gguf', 'q4_1.gguf']);

    const before = await readGgufFile(source);
    const after = await readGgufFile(target);
    assert.equal(after.version, before.version);
    assert.deepEqual(after.metadata.map((e) => e.key), before.metadata.map((e) => e.key));
    for (const [i, entry] of after.metadata.entries()) {
      if (entry.key === 'general.file_type') continue;
      assert.deepEqual(Buffer.from(entry.raw), Buffer.from(before.metadata[i]?.raw ?? []), entry.key);
      assert.deepEqual(entry.value, before.metadata[i]?.value);
    }
    assert.deepEqual(findGgufMetadata(after.metadata, 'general.file_type'), { type: 'uint32', value: 2 });
    assert.deepEqual(
      after.tensors.map((t) => [t.name, t.dims, t.type]),
      before.tensors.map((t) => [t.name, t.dims, t.type === GGML_TYPE.Q4_1 ? GGML_TYPE.Q4_0 : t.type]),
    );

    let worstSteps = 0;
    for (const [i, tensor] of after.tensors.entries()) {
      const original = before.tensors[i];
      assert.ok(original !== undefined);
      const oldBytes = await tensorBytes(source, before, original);
      const newBytes = await tensorBytes(target, after, tensor);
      if (original.type !== GGML_TYPE.Q4_1) {
        assert.deepEqual(newBytes, oldBytes, tensor.name);
        continue;
      }
      assert.deepEqual(newBytes, Buffer.from(requantizeQ4_1ToQ4_0(oldBytes)));
      const blocks = original.byteLength / 20;
      const x = new Float32Array(blocks * Q4_BLOCK_WEIGHTS);
      const y = new Float32Array(blocks * Q4_BLOCK_WEIGHTS);
      dequantizeQ4_1(oldBytes, blocks, x);
      dequantizeQ4_0(newBytes, blocks, y);
      for (let b = 0; b < blocks; b += 1) {
        const block = x.subarray(b * Q4_BLOCK_WEIGHTS, (b + 1) * Q4_BLOCK_WEIGHTS);
        const step = Math.max(...block.map(Math.abs)) / 8;
        for (let j = 0; j < Q4_BLOCK_WEIGHTS; j += 1) {
          worstSteps = Math.max(worstSteps, Math.abs((y[b * Q4_BLOCK_WEIGHTS + j] ?? 0) - (block[j] ?? 0)) / step);
        }
      }
    }
    // Within one Q4_0 step (amax / 8) of the Q4_1 value: half a step, a whole one where +8 clamps to 7.
    assert.ok(worstSteps <= 1 + 2 ** -8, `worst error ${worstSteps} steps`);

    const info = await readGgufFileInfo(target, { logWarnings: false });
    assert.equal(info.metadata.general.file_type, 2);
    assert.deepEqual(
      info.tensorInfo?.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType, Number(t.fileOffset)]),
      after.tensors.map((t) => [t.name, t.dims, t.type, after.dataOffset + t.offset]),
    );
    const total = before.tensors.reduce((sum, t) => sum + t.byteLength, 0);
    assert.deepEqual(progress.at(-1), [total, total]);
    assert.ok(progress.every(([done], i) => i === 0 || done > (progress[i - 1]?.[0] ?? 0)));
  }));

void test('the target is replaced atomically, and a second run writes the same bytes', () =>
  withDir(async (dir) => {
    const source = join(dir, 'q4_1.gguf');
    const target = join(dir, 'q4_0.gguf');
    await writeFile(source, buildGguf(tinyQ4Gguf()));
    await writeFile(target, 'stale');
    await requantizeGguf(source, target, { to: 'q4_0' });
    const first = await readFile(target);
    await requantizeGguf(source, target, { to: 'q4_0' });
    assert.deepEqual(await readFile(target), first);
    assert.deepEqual(await readdir(dir), ['q4_0.gguf', 'q4_1.gguf']);
  }));

void test('an abort mid-way rethrows its reason and leaves no partial file', () =>
  withDir(async (dir) => {
    const source = join(dir, 'q4_1.gguf');
    const target = join(dir, 'q4_0.gguf');
    await writeFile(source, buildGguf(tinyQ4Gguf()));
    const controller = new AbortController();
    const reason = new Error('stop');
    let reports = 0;
    await assert.rejects(
      requantizeGguf(source, target, {
        to: 'q4_0',
        signal: controller.signal,
        onProgress: () => {
          reports += 1;
          controller.abort(reason);
        },
      }),
      (error) => error === reason,
    );
    assert.equal(reports, 1);
    assert.deepEqual(await readdir(dir), ['q4_1.gguf']);
    await assert.rejects(requantizeGguf(source, target, { to: 'q4_0', signal: AbortSignal.abort(reason) }), (error) => error === reason);
    assert.deepEqual(await readdir(dir), ['q4_1.gguf']);
  }));

void test('a source that is not GGUF fails before anything is written', () =>
  withDir(async (dir) => {
    const source = join(dir, 'bad.gguf');
    await writeFile(source, 'not a model, just some text long enough');
    await assert.rejects(requantizeGguf(source, join(dir, 'out.gguf'), { to: 'q4_0' }), { code: 'model_corrupt' });
    assert.deepEqual(await readdir(dir), ['bad.gguf']);
  }));

void test('q5_k: Q4_K tensors become Q5_K with the same weights; metadata (file_type too) and every other tensor are copied exactly', () =>
  withDir(async (dir) => {
    const source = join(dir, 'q4_k.gguf');
    const target = join(dir, 'q5_k.gguf');
    const q4_k = q4_KBlocks(6, 3);
    await writeFile(
      source,
      buildGguf(
        tinyQ4Gguf({
          tensors: [
            ...tinyQ4Gguf().tensors,
            { name: 'blk.0.ffn_down.weight', dims: [512, 3], type: GGML_TYPE.Q4_K, data: q4_k },
            { name: 'blk.0.ffn_gate.weight', dims: [256], type: GGML_TYPE.Q6_K, data: new Uint8Array(210).map((_, i) => (i * 11) & 0xff) },
          ],
        }),
      ),
    );
    assert.deepEqual(await requantizeGguf(source, target, { to: 'q5_k' }), { converted: 1, kept: 5 });
    const before = await readGgufFile(source);
    const after = await readGgufFile(target);
    assert.deepEqual(after.metadata.map((e) => Buffer.from(e.raw)), before.metadata.map((e) => Buffer.from(e.raw)));
    assert.deepEqual(
      after.tensors.map((t) => [t.name, t.dims, t.type]),
      before.tensors.map((t) => [t.name, t.dims, t.type === GGML_TYPE.Q4_K ? GGML_TYPE.Q5_K : t.type]),
    );
    for (const [i, tensor] of after.tensors.entries()) {
      const original = before.tensors[i];
      assert.ok(original !== undefined);
      const newBytes = await tensorBytes(target, after, tensor);
      if (original.type !== GGML_TYPE.Q4_K) {
        assert.deepEqual(newBytes, await tensorBytes(source, before, original), tensor.name);
        continue;
      }
      const x = new Float32Array(6 * K_BLOCK_WEIGHTS);
      const y = new Float32Array(6 * K_BLOCK_WEIGHTS);
      dequantizeQ4_K(q4_k, 6, x);
      dequantizeQ5_K(newBytes, 6, y);
      assert.deepEqual(y, x);
    }
    const info = await readGgufFileInfo(target, { logWarnings: false });
    assert.deepEqual(
      info.tensorInfo?.map((t) => [t.name, t.ggmlType, Number(t.fileOffset)]),
      after.tensors.map((t) => [t.name, t.type, after.dataOffset + t.offset]),
    );
  }));
