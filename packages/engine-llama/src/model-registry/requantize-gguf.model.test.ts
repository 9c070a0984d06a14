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
import { getLlama, GgmlType, readGgufFileInfo, type ControlledEvaluateInputItem, type Llama, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { rawProbabilities } from '../raw-probabilities.js';
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

/** Below this lead in probability, two builds of the same weights may rank the top two either way. */
const NEAR_TIE = 0.1;

/** Runs `use` on a 512-token sequence of the model at `modelPath`, and frees both. */
async function withSequence<T>(llama: Llama, modelPath: string, use: (model: LlamaModel, sequence: LlamaContextSequence) => Promise<T>): Promise<T> {
  const model = await llama.loadModel({ modelPath });
  try {
    const context = await model.createContext({ contextSize: 512 });
    try {
      return await use(model, context.getSequence());
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

async function greedyTokens(llama: Llama, modelPath: string, tokens: number, prompt: string): Promise<{ tokens: Token[]; text: string }> {
  return withSequence(llama, modelPath, async (model, sequence) => {
    const out: Token[] = [];
    for await (const token of sequence.evaluate(model.tokenize(prompt, true), { temperature: 0 })) {
      if (model.isEogToken(token)) break;
      out.push(token);
      if (out.length >= tokens) break;
    }
    return { tokens: out, text: model.detokenize(out) };
  });
}

async function greedy(llama: Llama, modelPath: string, tokens: number, prompt = PROMPT): Promise<string> {
  return (await greedyTokens(llama, modelPath, tokens, prompt)).text;
}

/** The two most likely next tokens after the prompt and after each of `tokens`, fed one per step as greedy decoding feeds them. */
async function stepTops(llama: Llama, modelPath: string, prompt: string, tokens: readonly Token[]): Promise<Array<Array<[Token, number]>>> {
  return withSequence(llama, modelPath, async (model, sequence) => {
    const promptTokens = model.tokenize(prompt, true);
    const items = promptTokens.map((token, index): ControlledEvaluateInputItem => (index === promptTokens.length - 1 ? [token, rawProbabilities(2)] : token));
    const tops = [[...(await sequence.controlledEvaluate(items)).at(-1)?.next.probabilities ?? []]];
    for (const token of tokens) tops.push([...(await sequence.controlledEvaluate([[token, rawProbabilities(2)]]))[0]?.next.probabilities ?? []]);
    return tops;
  });
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

  it('completes a prompt greedily as the original does, wherever the choice is clear', async (t) => {
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 2 });
    const original = await greedyTokens(llama, GEMMA, 24, GEMMA_PROMPT);
    t.diagnostic(`Q4_K_M: ${JSON.stringify(original.text)}`);
    assert.match(original.text, /\p{L}{2}/u);
    // The same weights, but other kernels (x86 repacks Q4_K, not Q5_K): along the original's
    // output, the transcoded model picks each token the original picked, except at a near-tie
    // where rounding may decide. How far the probabilities differ is printed, not asserted.
    const [before, after] = [await stepTops(llama, GEMMA, GEMMA_PROMPT, original.tokens), await stepTops(llama, target, GEMMA_PROMPT, original.tokens)];
    let largest = 0;
    let nearTies = 0;
    for (const [index, token] of original.tokens.entries()) {
      const [[top, p1] = [-1, 0], [, p2] = [-1, 0]] = before[index] ?? [];
      const [[converted, q1] = [-1, 0]] = after[index] ?? [];
      largest = Math.max(largest, Math.abs(p1 - q1));
      if (p1 - p2 < NEAR_TIE) {
        nearTies += 1;
        continue;
      }
      assert.equal(top, token, `position ${index}: the original's own steps pick what its greedy run picked`);
      assert.equal(converted, token, `position ${index}: ${JSON.stringify(before[index])} vs ${JSON.stringify(after[index])}`);
    }
    t.diagnostic(`${llama.systemInfo.trim()}: top probabilities differ by at most ${largest.toExponential(2)}; ${nearTies} near-ties of ${original.tokens.length}`);
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
