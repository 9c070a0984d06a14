// Next-token candidates on a real GGUF (SmolLM2 by default): the single-step replay must reproduce
// plain greedy decoding (its top token is the one `generate` picks next), the batched one must
// report the same kind of distribution, and cutting at a common prefix must respect token and
// character boundaries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest } from '@spark/engine';
import { LlamaEngine } from './llama-engine.js';
import { commonTokenPrefix, type TokenCandidate } from './next-token-candidates.js';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL = 'test-model';

function request(maxOutputTokens: number, signal = new AbortController().signal): GenerateRequest {
  return {
    model: MODEL, conversation: [{ type: 'user', text: 'List the days of the week, one per line.' }], tools: [], toolChoice: { type: 'auto' },
    parallelToolCalls: false, outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal, maxOutputTokens,
  };
}

async function generate(engine: LlamaEngine, maxOutputTokens: number): Promise<string> {
  let text = '';
  for await (const event of engine.generate(request(maxOutputTokens))) if (event.type === 'text-delta') text += event.delta;
  return text;
}

function assertDistribution(list: readonly TokenCandidate[], top: number, label: string): void {
  assert.equal(list.length, top, `${label}: ${top} candidates`);
  list.forEach((candidate, index) => {
    assert.ok(candidate.probability > 0 && candidate.probability <= 1, `${label}[${index}] probability ${candidate.probability} in (0, 1]`);
    if (index > 0) assert.ok(candidate.probability <= (list[index - 1]?.probability ?? 0), `${label}: sorted most likely first`);
    assert.ok(candidate.text.length > 0, `${label}[${index}] has text`);
  });
  assert.equal(new Set(list.map((candidate) => candidate.token)).size, list.length, `${label}: distinct tokens`);
}

describe('nextTokenCandidates on SmolLM2', () => {
  let engine: LlamaEngine;

  before(async () => {
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 2048, sequences: 1, threads: 2, decodeThreads: 1, prefixReuse: false, speculation: false });
  });

  after(async () => {
    await engine.dispose();
  });

  it('ranks first the token plain greedy decoding picks next, in both evaluation modes', async () => {
    const shorter = await generate(engine, 6);
    const longer = await generate(engine, 7);
    assert.ok(longer.startsWith(shorter) && longer.length > shorter.length, `greedy output grows: ${JSON.stringify(shorter)} -> ${JSON.stringify(longer)}`);

    const probe = await engine.nextTokenCandidates(request(6), shorter, { top: 4 });
    assert.equal(probe.outputTokens.length, 6, 'the output re-tokenizes into the tokens decoded');
    assert.equal(probe.outputText, shorter);
    assertDistribution(probe.single, 4, 'single');
    assertDistribution(probe.batched, 4, 'batched');
    const [first] = probe.single;
    assert.ok(first);
    assert.equal(first.text, longer.slice(shorter.length), 'the top token\'s text is the text greedy decoding added next');
    assert.deepEqual(probe.batch, { start: 0, tokens: 6, tried: 1, flipped: false }, 'by default one batch of the whole output');
    const next = await engine.nextTokenCandidates(request(7), longer, { top: 1 });
    assert.deepEqual(next.outputTokens, [...probe.outputTokens, first.token], 'the top token is the token greedy decoding sampled next');
    // A near-tie could flip it, but not on this short, clear-cut output.
    assert.equal(probe.batched[0]?.token, first.token);
    assert.ok(Math.abs((probe.batched[0]?.probability ?? 0) - first.probability) < 0.05, 'the modes differ only by rounding');

    const start = await engine.nextTokenCandidates(request(6), '', { top: 2 });
    assert.deepEqual(start.outputTokens, []);
    assert.deepEqual(start.single, start.batched, 'right after the prompt both modes are one evaluation');
    assert.ok(shorter.startsWith(start.single[0]?.text ?? '\0'), 'the first token of the output');
  });

  it('tries every verification batch of a given size that holds the position', async () => {
    const text = await generate(engine, 6);
    const probe = await engine.nextTokenCandidates(request(6), text, { top: 3, verifyBatchTokens: 4 });
    assert.equal(probe.outputTokens.length, 6);
    assertDistribution(probe.batched, 3, 'batched');
    // Output tokens 2..5 through 5..8 (the output's continuation pads past the position); short batches rarely flip a ranking.
    if (!probe.batch.flipped) assert.equal(probe.batch.tried, 4, 'no batch flips the ranking: all were tried');
    assert.ok(probe.batch.start >= 2 && probe.batch.start <= 5 && probe.batch.tokens === 4, `batch ${JSON.stringify(probe.batch)}`);
    assert.equal(probe.batched[0]?.token, probe.single[0]?.token);
    const long = await engine.nextTokenCandidates(request(6), text, { top: 1, verifyBatchTokens: 64 });
    assert.equal(long.batch.start, 0, 'a batch longer than the output starts at its first token');
  });

  it('stops where another output parts from this one, on a token boundary', async () => {
    const text = await generate(engine, 6);
    const all = await engine.nextTokenCandidates(request(6), text, { top: 1 });
    const parted = await engine.nextTokenCandidates(request(6), text, { top: 1, commonPrefixWith: `${text}, but then something else` });
    assert.deepEqual(parted.outputTokens, all.outputTokens, 'a longer other output keeps every token');
    // Cutting the last character makes the last token uncommon, whatever its length.
    const cut = await engine.nextTokenCandidates(request(6), text, { top: 1, commonPrefixWith: text.slice(0, -1) });
    assert.deepEqual(cut.outputTokens, all.outputTokens.slice(0, -1));
    assert.ok(text.startsWith(cut.outputText) && cut.outputText.length < text.length);
  });

  it('rejects with the abort reason and hands the sequence back', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(engine.nextTokenCandidates(request(6), 'Monday', { signal: controller.signal }), { name: 'AbortError' });
    assert.equal(engine.stats().activeSequences, 0);
    assert.ok((await generate(engine, 2)).length > 0, 'the engine still generates');
  });
});

describe('commonTokenPrefix', () => {
  // Token 2 and 3 are the two UTF-8 bytes of "é": alone, token 2 detokenizes to U+FFFD.
  const pieces = new Map([[1, 'a'], [2, '\xC3'], [3, '\xA9'], [4, 'b']]);
  const detokenize = (tokens: readonly number[]): string => Buffer.from(tokens.map((token) => pieces.get(token) ?? '').join(''), 'latin1').toString('utf8');

  it('counts only tokens whose text both outputs share, never half a character', () => {
    const tokens = [1, 2, 3, 4];
    assert.equal(detokenize(tokens), 'aéb');
    assert.equal(commonTokenPrefix(tokens, detokenize, 'aéb', 'aéb'), 4);
    assert.equal(commonTokenPrefix(tokens, detokenize, 'aéb', 'aéc'), 3);
    assert.equal(commonTokenPrefix(tokens, detokenize, 'aéb', 'aê'), 1, 'not inside "é"');
    assert.equal(commonTokenPrefix(tokens, detokenize, 'aéb', 'a\uFFFD'), 1, 'a replacement character is not half of "é"');
    assert.equal(commonTokenPrefix(tokens, detokenize, 'aéb', 'x'), 0);
  });
});
