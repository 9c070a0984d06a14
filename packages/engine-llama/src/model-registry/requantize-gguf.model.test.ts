// Requantizes the real SmolLM2 Q4_1 download (which the model test group fetches first) to Q4_0,
// and stores the real Gemma 3 270M's Q4_K tensors as Q5_K, and checks the results three ways:
// the pinned catalog checksum, node-llama-cpp's own GGUF reader, and llama.cpp loading them and
// completing a prompt.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLlama, GgmlType, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { findCatalogEntry } from './catalog.js';
import { GGML_TYPE } from './ggml-type.js';
import { readAt, readGgufFile, type GgufFile } from './gguf-file.js';
import { modelCacheDir } from './model-cache-dir.js';
import { dequantizeQ4_K, dequantizeQ5_K, K_BLOCK_WEIGHTS, Q4_K_BLOCK_BYTES } from './k-quant-blocks.js';
import { dequantizeQ4_0, dequantizeQ4_1, Q4_0_BLOCK_BYTES, Q4_1_BLOCK_BYTES, Q4_BLOCK_WEIGHTS } from './q4-blocks.js';
import { requantizeGguf } from './requantize-gguf.js';

const SOURCE = join(modelCacheDir(), 'smollm2-135m', 'SmolLM2-135M-Instruct.Q4_1.gguf');
const GEMMA = join(modelCacheDir(), 'gemma3-270m', 'gemma-3-270m-q4_k_m.gguf');
const PROMPT = '<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n';
const GEMMA_PROMPT = '<bos><start_of_turn>user\nWrite a TypeScript function that adds two numbers.<end_of_turn>\n<start_of_turn>model\n';

async function greedy(llama: Llama, modelPath: string, tokens: number, prompt = PROMPT): Promise<string> {
  const model = await llama.loadModel({ modelPath });
  try {
    const context = await model.createContext({ contextSize: 512 });
    try {
      const out = [];
      for await (const token of context.getSequence().evaluate(model.tokenize(prompt, true), { temperature: 0 })) {
        if (model.isEogToken(token)) break;
        out.push(token);
        if (out.length >= tokens) break;
      }
      return model.detokenize(out);
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

void describe('requantizing SmolLM2 135M from Q4_1 to Q4_0', () => {
  let dir: string;
  let target: string;
  let seconds: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-requantize-model-'));
    target = join(dir, 'SmolLM2-135M-Instruct.Q4_0.gguf');
    const started = performance.now();
    assert.deepEqual(await requantizeGguf(SOURCE, target, { to: 'q4_0' }), { converted: 210, kept: 62 });
    seconds = (performance.now() - started) / 1000;
  });
  after(async () => rm(dir, { recursive: true }));

  it('writes exactly the file the catalog pins', async (t) => {
    t.diagnostic(`conversion took ${seconds.toFixed(2)} s`);
    const entry = findCatalogEntry('smollm2-135m-q4_0');
    const bytes = await readFile(target);
    assert.equal(bytes.length, entry?.sizeBytes);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry?.sha256);
  });

  it('reads back in node-llama-cpp with the same metadata, dims and offsets, Q4_1 now Q4_0', async () => {
    const before = await readGgufFileInfo(SOURCE, { logWarnings: false });
    const after = await readGgufFileInfo(target, { logWarnings: false });
    const ours = await readGgufFile(target);
    assert.deepEqual({ ...after.metadata, general: { ...after.metadata.general, file_type: 3 } }, before.metadata);
    assert.equal(after.metadata.general.file_type, 2);
    assert.deepEqual(
      after.tensorInfo?.map((t) => [t.name, t.dimensions, t.ggmlType]),
      before.tensorInfo?.map((t) => [t.name, t.dimensions, t.ggmlType === GgmlType.Q4_1 ? GgmlType.Q4_0 : t.ggmlType]),
    );
    assert.deepEqual(
      after.tensorInfo?.map((t) => Number(t.fileOffset)),
      ours.tensors.map((t) => ours.dataOffset + t.offset),
    );
    assert.ok(ours.tensors.every((t) => t.offset % 32 === 0));
  });

  it('keeps every weight within one Q4_0 step of its Q4_1 value', async (t) => {
    const [source, output] = await Promise.all([readGgufFile(SOURCE), readGgufFile(target)]);
    const stats = await compareWeights(source, output, target);
    t.diagnostic(
      `${stats.weights} weights: max |error| ${stats.maxAbs.toExponential(3)} (${stats.worstSteps.toFixed(4)} steps); ` +
        `rms error ${stats.rms.toExponential(3)} = ${(stats.rms / stats.rmsWeight).toFixed(4)} of rms weight ${stats.rmsWeight.toExponential(3)}`,
    );
    assert.ok(stats.worstSteps <= 1 + 2 ** -8);
  });

  it('loads in llama.cpp and completes a prompt greedily', async (t) => {
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 2 });
    const q4_1 = await greedy(llama, SOURCE, 24);
    const q4_0 = await greedy(llama, target, 24);
    t.diagnostic(`Q4_1: ${JSON.stringify(q4_1)}`);
    t.diagnostic(`Q4_0: ${JSON.stringify(q4_0)}`);
    assert.match(q4_0, /\p{L}{2}/u);
    assert.equal(await greedy(llama, target, 24), q4_0);
  });
});

void describe('storing Gemma 3 270M\'s Q4_K tensors as Q5_K', () => {
  let dir: string;
  let target: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-transcode-model-'));
    target = join(dir, 'gemma-3-270m-q4_k_m-as-q5_k.gguf');
    assert.deepEqual(await requantizeGguf(GEMMA, target, { to: 'q5_k' }), { converted: 27, kept: 209 });
  });
  after(async () => rm(dir, { recursive: true }));

  it('writes exactly the file the catalog pins', async () => {
    const entry = findCatalogEntry('gemma3-270m-q5_k');
    const bytes = await readFile(target);
    assert.equal(bytes.length, entry?.sizeBytes);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry?.sha256);
  });

  it('keeps every weight bit for bit, and node-llama-cpp reads the same metadata', async () => {
    const [source, output] = await Promise.all([readGgufFile(GEMMA), readGgufFile(target)]);
    const [input, result] = await Promise.all([open(GEMMA, 'r'), open(target, 'r')]);
    try {
      for (const [i, tensor] of source.tensors.entries()) {
        const converted = output.tensors[i];
        assert.ok(converted !== undefined);
        if (tensor.type !== GGML_TYPE.Q4_K) {
          assert.equal(converted.type, tensor.type);
          continue;
        }
        assert.equal(converted.type, GGML_TYPE.Q5_K);
        const blocks = tensor.byteLength / Q4_K_BLOCK_BYTES;
        const x = new Float32Array(blocks * K_BLOCK_WEIGHTS);
        const y = new Float32Array(blocks * K_BLOCK_WEIGHTS);
        dequantizeQ4_K(await readAt(input, source.dataOffset + tensor.offset, tensor.byteLength), blocks, x);
        dequantizeQ5_K(await readAt(result, output.dataOffset + converted.offset, converted.byteLength), blocks, y);
        assert.ok(Buffer.from(x.buffer).equals(Buffer.from(y.buffer)), tensor.name);
      }
    } finally {
      await Promise.all([input.close(), result.close()]);
    }
    const [before, after] = await Promise.all([readGgufFileInfo(GEMMA, { logWarnings: false }), readGgufFileInfo(target, { logWarnings: false })]);
    assert.deepEqual(after.metadata, before.metadata);
  });

  it('completes a prompt greedily as the original does', async (t) => {
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 2 });
    const original = await greedy(llama, GEMMA, 24, GEMMA_PROMPT);
    const transcoded = await greedy(llama, target, 24, GEMMA_PROMPT);
    t.diagnostic(`Q4_K_M: ${JSON.stringify(original)}`);
    assert.match(transcoded, /\p{L}{2}/u);
    assert.equal(transcoded, original);
  });
});

interface WeightStats {
  weights: number;
  maxAbs: number;
  worstSteps: number;
  rms: number;
  rmsWeight: number;
}

async function compareWeights(source: GgufFile, output: GgufFile, outputPath: string): Promise<WeightStats> {
  const [input, result] = await Promise.all([open(SOURCE, 'r'), open(outputPath, 'r')]);
  const stats = { weights: 0, maxAbs: 0, worstSteps: 0, sumSquares: 0, sumWeightSquares: 0 };
  try {
    for (const [i, tensor] of source.tensors.entries()) {
      const converted = output.tensors[i];
      if (tensor.type !== GGML_TYPE.Q4_1 || converted === undefined) continue;
      const blocks = tensor.byteLength / Q4_1_BLOCK_BYTES;
      assert.equal(converted.byteLength, blocks * Q4_0_BLOCK_BYTES);
      const x = new Float32Array(blocks * Q4_BLOCK_WEIGHTS);
      const y = new Float32Array(blocks * Q4_BLOCK_WEIGHTS);
      dequantizeQ4_1(await readAt(input, source.dataOffset + tensor.offset, tensor.byteLength), blocks, x);
      dequantizeQ4_0(await readAt(result, output.dataOffset + converted.offset, converted.byteLength), blocks, y);
      for (let b = 0; b < blocks; b += 1) {
        let amax = 0;
        for (let j = 0; j < Q4_BLOCK_WEIGHTS; j += 1) amax = Math.max(amax, Math.abs(x[b * Q4_BLOCK_WEIGHTS + j] ?? 0));
        for (let j = 0; j < Q4_BLOCK_WEIGHTS; j += 1) {
          const value = x[b * Q4_BLOCK_WEIGHTS + j] ?? 0;
          const error = Math.abs((y[b * Q4_BLOCK_WEIGHTS + j] ?? 0) - value);
          stats.maxAbs = Math.max(stats.maxAbs, error);
          if (amax > 0) stats.worstSteps = Math.max(stats.worstSteps, error / (amax / 8));
          stats.sumSquares += error * error;
          stats.sumWeightSquares += value * value;
        }
      }
      stats.weights += blocks * Q4_BLOCK_WEIGHTS;
    }
  } finally {
    await Promise.all([input.close(), result.close()]);
  }
  return {
    weights: stats.weights,
    maxAbs: stats.maxAbs,
    worstSteps: stats.worstSteps,
    rms: Math.sqrt(stats.sumSquares / stats.weights),
    rmsWeight: Math.sqrt(stats.sumWeightSquares / stats.weights),
  };
}
