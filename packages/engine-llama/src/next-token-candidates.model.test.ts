// Next-token candidates on a real GGUF (SmolLM2 by default): the single-step replay must reproduce
// plain greedy decoding (its top token is the one `generate` picks next), the batched one must
// report the same kind of distribution, and cutting at a common prefix must respect token and
// character boundaries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest } from '@spark/engine';
import { LlamaEngine } from './llama-engine.js';
import { commonTokenPrefix, type CandidateBatch, type NextTokenCandidates, type TokenCandidate } from './next-token-candidates.js';

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

/** A lead (in probability) below which batched and one-token evaluation may rank two tokens either way. */
const NEAR_TIE = 0.1;

/**
 * The batches from output index `first` to `last` were tried in order until one flipped: the
 * reported batch is the flipping one (the last tried), or else all were tried and it lies among them.
 */
function assertTriedFrom(batch: CandidateBatch, first: number, last: number): void {
  const label = `batch ${JSON.stringify(batch)}`;
  if (batch.flipped) assert.equal(batch.start, first + batch.tried - 1, `${label}: the first that flips ends the search`);
  else assert.equal(batch.tried, last - first + 1, `${label}: no batch flips the ranking, so all were tried`);
  assert.ok(batch.start >= first && batch.start <= last, label);
}

/** `flipped` says exactly whether the batched ranking puts another token above the single-step favourite. */
function assertFlippedMeansRanking(probe: NextTokenCandidates): void {
  const favourite = probe.single[0];
  const top = probe.batched[0];
  assert.ok(favourite && top);
  const own = probe.batched.find((candidate) => candidate.token === favourite.token);
  if (probe.batch.flipped) assert.ok(top.token !== favourite.token && top.probability > (own?.probability ?? 0), `flipped: ${JSON.stringify(probe.batched)}`);
  else assert.equal(own?.probability, top.probability, `not flipped: the favourite ranks first (or ties) in ${JSON.stringify(probe.batched)}`);
}

describe('nextTokenCandidates on SmolLM2', () => {
  let engine: LlamaEngine;

  before(async () => {
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 2048, sequences: 1, threads: 2, decodeThreads: 1, prefixReuse: false, speculation: false });
  });

  after(async () => {
    await engine.dispose();
  });

  it('ranks first the token plain greedy decoding picks next, in both evaluation modes', async (t) => {
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
    const { flipped, ...batch } = probe.batch;
    assert.deepEqual(batch, { start: 0, tokens: 6, tried: 1 }, 'by default one batch of the whole output');
    assertFlippedMeansRanking(probe);
    const next = await engine.nextTokenCandidates(request(7), longer, { top: 1 });
    assert.deepEqual(next.outputTokens, [...probe.outputTokens, first.token], 'the top token is the token greedy decoding sampled next');
    // How a batch rounds is the CPU's kernels' business; only a near-tie may flip the ranking.
    const [, second] = probe.single;
    const margin = first.probability - (second?.probability ?? 0);
    t.diagnostic(`${engine.build}: single top ${first.probability.toFixed(6)} (lead ${margin.toFixed(6)}), batched ${JSON.stringify(probe.batched[0])}, flipped ${flipped}`);
    if (margin > NEAR_TIE) assert.equal(probe.batched[0]?.token, first.token, 'a clear lead survives batching');

    const start = await engine.nextTokenCandidates(request(6), '', { top: 2 });
    assert.deepEqual(start.outputTokens, []);
    assert.deepEqual(start.single, start.batched, 'right after the prompt both modes are one evaluation');
    assert.ok(shorter.startsWith(start.single[0]?.text ?? '\0'), 'the first token of the output');
  });

  it('tries every verification batch of a given size that holds the position', async (t) => {
    const text = await generate(engine, 6);
    // Output tokens 2..5 through 5..8 (the output's continuation pads past the position).
    const probe = await engine.nextTokenCandidates(request(6), text, { top: 3, verifyBatchTokens: 4 });
    assert.equal(probe.outputTokens.length, 6);
    assertDistribution(probe.batched, 3, 'batched');
    assertTriedFrom(probe.batch, 2, 5);
    assertFlippedMeansRanking(probe);
    // Longer than the output: the batches start at output tokens 0 through 5, the earliest at the output's first token.
    const long = await engine.nextTokenCandidates(request(6), text, { top: 3, verifyBatchTokens: 64 });
    assert.equal(long.batch.tokens, 64);
    assertTriedFrom(long.batch, 0, 5);
    assertFlippedMeansRanking(long);
    // Which start rounds least favourably (and whether any flips) depends on the CPU's kernels: printed, not asserted.
    t.diagnostic(`${engine.build}: 4-token batches ${JSON.stringify(probe.batch)}, 64-token ${JSON.stringify(long.batch)}`);
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
