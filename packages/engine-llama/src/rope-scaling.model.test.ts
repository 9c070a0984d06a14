// YaRN on a real GGUF (SmolLM2 by default): node-llama-cpp has no rope option, so Spark passes
// YaRN as GGUF metadata overrides. That llama.cpp really reads them (as floats, not ignored as
// mistyped) shows in the model's next-token distribution, which must change, and in the window,
// which grows to the factor times the original one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest } from '@spark/engine';
import { LlamaEngine } from './llama-engine.js';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL = 'test-model';
/** The window YaRN stretches: small, so that the stretched one stays cheap to fill in a test. */
const ORIGINAL_WINDOW = 512;

function request(text: string, maxOutputTokens: number): GenerateRequest {
  return {
    model: MODEL, conversation: [{ type: 'user', text }], tools: [], toolChoice: { type: 'auto' },
    parallelToolCalls: false, outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal: new AbortController().signal, maxOutputTokens,
  };
}

async function generate(engine: LlamaEngine, text: string, maxOutputTokens: number): Promise<{ text: string; reason: string; inputTokens: number }> {
  let output = '';
  for await (const event of engine.generate(request(text, maxOutputTokens))) {
    if (event.type === 'text-delta') output += event.delta;
    if (event.type === 'finish') return { text: output, reason: event.reason, inputTokens: event.usage.inputTokens };
  }
  throw new Error('the generation ended without a finish event');
}

const common = { models: [{ id: MODEL, path: MODEL_PATH }], sequences: 1, threads: 2, decodeThreads: 1, prefixReuse: false, speculation: false } as const;

void describe('YaRN rope scaling on SmolLM2', () => {
  let plain: LlamaEngine;
  let yarn: LlamaEngine;

  before(async () => {
    plain = await LlamaEngine.create({ ...common, contextSize: 2 * ORIGINAL_WINDOW });
    // An integral factor: the override must still reach llama.cpp typed as a float.
    yarn = await LlamaEngine.create({ ...common, contextSize: 2 * ORIGINAL_WINDOW, ropeScaling: { type: 'yarn', factor: 2, originalContextSize: ORIGINAL_WINDOW } });
  });

  after(async () => {
    await plain.dispose();
    await yarn.dispose();
  });

  void it('stretches the window to the factor times the original one', () => {
    const [memory] = yarn.memory();
    assert.equal(memory?.maxContextSize, 2 * ORIGINAL_WINDOW);
    assert.equal(memory?.contextSize, 2 * ORIGINAL_WINDOW);
    assert.ok((memory?.trainContextSize ?? 0) > ORIGINAL_WINDOW, 'the file itself was trained on a longer window than the one stretched here');
  });

  void it('changes what the model computes: llama.cpp applied the overrides', async () => {
    const text = 'Name the three primary colours.';
    const [withoutYarn, withYarn] = await Promise.all([
      plain.nextTokenCandidates(request(text, 1), '', { top: 3 }),
      yarn.nextTokenCandidates(request(text, 1), '', { top: 3 }),
    ]);
    const first = withoutYarn.single[0];
    const same = withYarn.single.find((candidate) => candidate.token === first?.token);
    assert.ok(first, 'the plain model has a favourite');
    // Identical probabilities would mean the overrides were dropped (llama.cpp ignores an int override of a float key).
    const difference = Math.abs(first.probability - (same?.probability ?? 0));
    assert.ok(difference > 1e-4, `the favourite's probability moved under YaRN: ${first.probability} vs ${same?.probability ?? 'not in the top 3'}`);
  });

  void it('generates past the original window', async () => {
    const filler = 'The quick brown fox jumps over the lazy dog. '.repeat(70);
    const result = await generate(yarn, `${filler}\nWhat animal jumps?`, 8);
    assert.ok(result.inputTokens > ORIGINAL_WINDOW, `the prompt (${result.inputTokens} tokens) is longer than the original window`);
    assert.equal(result.reason, 'length');
    assert.ok(result.text.trim().length > 0, 'it wrote something');
  });
});
