import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '@spark/engine';
import { chooseContextWindow, CONTEXT_SIZE_STEP, MIN_BUDGET_CONTEXT_SIZE, type WindowRequest } from './choose-context-window.js';

const GB = 1e9;
/** A KV cache of 18 KB per token per sequence (Gemma 3 270M in f16) plus 50 MB of buffers. */
const cost = (contextSize: number, sequences: number): number => 50e6 + 18_432 * contextSize * sequences;
const base: WindowRequest = {
  model: 'gemma3-270m', trainContextSize: 32_768, maxContextSize: 32_768, contextSize: undefined, sequences: 4,
  budgetBytes: 8 * GB, weightsBytes: 0.24 * GB, fallbackContextSize: 8192,
};

void test('a budget that holds the whole trained window serves it', async () => {
  const choice = await chooseContextWindow(base, cost);
  assert.deepEqual(choice, { contextSize: 32_768, sequences: 4, contextBytes: cost(32_768, 4), reason: 'full' });
});

void test('a smaller budget gets the largest window on the 256-token grid that fits, for the configured sequences', async () => {
  const budgetBytes = 1.5 * GB;
  const choice = await chooseContextWindow({ ...base, budgetBytes }, cost);
  assert.equal(choice.reason, 'budget');
  assert.equal(choice.sequences, 4);
  assert.equal(choice.contextSize % CONTEXT_SIZE_STEP, 0);
  assert.ok(base.weightsBytes + cost(choice.contextSize, 4) <= budgetBytes, 'it fits');
  assert.ok(base.weightsBytes + cost(choice.contextSize + CONTEXT_SIZE_STEP, 4) > budgetBytes, 'one step more would not');
  assert.equal(choice.contextBytes, cost(choice.contextSize, 4));
});

void test('a quantized KV cache (a cheaper cost) buys a longer window under the same budget', async () => {
  const budgetBytes = 1.5 * GB;
  const f16 = await chooseContextWindow({ ...base, budgetBytes }, cost);
  const q8 = await chooseContextWindow({ ...base, budgetBytes }, (c, s) => 50e6 + 9_792 * c * s);
  assert.ok(q8.contextSize > f16.contextSize, `${q8.contextSize} > ${f16.contextSize}`);
});

void test('a budget that cannot hold even the smallest window is refused with the numbers and the ways out', async () => {
  await assert.rejects(chooseContextWindow({ ...base, budgetBytes: 0.3 * GB }, cost), (error) => {
    assert.ok(EngineError.is(error) && error.code === 'model_load_failed');
    assert.match(error.message, new RegExp(`4 x ${MIN_BUDGET_CONTEXT_SIZE} tokens`));
    assert.match(error.message, /--memory-budget/);
    assert.match(error.message, /--kv-cache-type q8_0/);
    return true;
  });
});

void test('an explicit window wins over the budget search, but is refused over the model or the budget', async () => {
  const explicit = await chooseContextWindow({ ...base, contextSize: 4096 }, cost);
  assert.deepEqual(explicit, { contextSize: 4096, sequences: 4, contextBytes: cost(4096, 4), reason: 'explicit' });
  await assert.rejects(chooseContextWindow({ ...base, contextSize: 65_536 }, cost), /--ctx 65536 is more than model gemma3-270m holds: 32768 tokens/);
  await assert.rejects(chooseContextWindow({ ...base, contextSize: 32_768, budgetBytes: 1 * GB }, cost), /over the memory budget/);
});

void test('rope scaling raises the ceiling past the trained window', async () => {
  const scaled = { ...base, model: 'qwen', maxContextSize: 131_072, sequences: 1, budgetBytes: 64 * GB };
  assert.equal((await chooseContextWindow(scaled, cost)).contextSize, 131_072);
  assert.equal((await chooseContextWindow({ ...scaled, contextSize: 100_000 }, cost)).contextSize, 100_000);
  await assert.rejects(chooseContextWindow({ ...scaled, contextSize: 140_000 }, cost), /stretched by rope scaling/);
});

void test('without a budget the window is the trained one capped at the fallback', async () => {
  assert.equal((await chooseContextWindow({ ...base, budgetBytes: undefined }, cost)).contextSize, 8192);
  assert.equal((await chooseContextWindow({ ...base, budgetBytes: undefined, maxContextSize: 2048, trainContextSize: 2048 }, cost)).contextSize, 2048);
  assert.equal((await chooseContextWindow({ ...base, budgetBytes: undefined }, cost)).reason, 'default');
});

void test('a model whose whole window is under the floor is served whole when it fits, refused when not', async () => {
  const tiny = { ...base, trainContextSize: 1000, maxContextSize: 1000 };
  assert.equal((await chooseContextWindow(tiny, cost)).contextSize, 1000);
  await assert.rejects(chooseContextWindow({ ...tiny, budgetBytes: 0.25 * GB }, cost), /4 x 1000 tokens/);
});
