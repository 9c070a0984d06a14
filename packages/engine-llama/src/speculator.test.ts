import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpeculationMemory, Speculator } from './speculator.js';

void describe('Speculator', () => {
  void it('takes plain steps until a decode step was measured, then drafts from the prediction', () => {
    const speculator = new Speculator({ promptTokens: [1, 2, 3], predictionTokens: [10, 11, 12, 13, 14, 15], lookup: true, memory: new SpeculationMemory(), maxDraftTokens: 4 });
    assert.equal(speculator.plan(1, 100), undefined);
    speculator.plainStep(10, 50, false);
    assert.equal(speculator.plan(1, 100), undefined, 'the prefill step is not a decode step');
    speculator.plainStep(11, 10, true);
    assert.deepEqual(speculator.plan(1, 100), { tokens: [12, 13, 14, 15], source: 'prediction' });
    assert.deepEqual(speculator.plan(1, 2)?.tokens, [12, 13], 'capped by the room left');
  });

  void it('keeps a verification batch, pending tokens and draft together, within maxBatchTokens', () => {
    const speculator = new Speculator({ promptTokens: [], predictionTokens: [10, 11, 12, 13, 14, 15], lookup: false, memory: new SpeculationMemory(), maxDraftTokens: 8, maxBatchTokens: 4 });
    speculator.plainStep(10, 10, false);
    speculator.plainStep(11, 10, true);
    assert.deepEqual(speculator.plan(1, 100)?.tokens, [12, 13, 14]);
    assert.deepEqual(speculator.plan(2, 100)?.tokens, [12, 13]);
  });

  void it('counts verified prediction tokens as accepted when used and rejected otherwise', () => {
    const speculator = new Speculator({ promptTokens: [], predictionTokens: [10, 11, 12, 13, 14, 15], lookup: false, memory: new SpeculationMemory(), maxDraftTokens: 8 });
    speculator.plainStep(10, 10, true);
    // Draft 11..15: the model agreed with 11, 12, then produced 99 instead of 13.
    speculator.verified({ source: 'prediction', batchTokens: 6, drafted: 5, accepted: 2, ms: 20, emitted: [11, 12, 99] });
    assert.deepEqual(speculator.predictionUsage(), { acceptedPredictionTokens: 2, rejectedPredictionTokens: 3 });
    // 10, 11 and 12 were what the prediction said next; 99 was not.
    assert.deepEqual(speculator.timings(), { steps: 1, draftedTokens: 5, acceptedTokens: 2, outputTokens: 3, verifyMs: 20, draftableTokens: 3, draftableRuns: 1 });
  });

  void it('drafts from the prompt by lookup once free shadow trials show its drafts are right', () => {
    const prompt = [7, 8, 9, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 0];
    const speculator = new Speculator({ promptTokens: prompt, lookup: true, memory: new SpeculationMemory(), maxDraftTokens: 8 });
    for (const token of [7, 8, 9]) speculator.plainStep(token, 10, true);
    assert.equal(speculator.plan(1, 100), undefined, 'a lookup match is not trusted at the prior');
    for (const token of [20, 21, 22, 23, 24]) speculator.plainStep(token, 10, true);
    const plan = speculator.plan(1, 100);
    assert.equal(plan?.source, 'lookup');
    assert.deepEqual(plan.tokens, [25, 26, 27, 28, 29, 0].slice(0, plan.tokens.length));
    assert.ok(plan.tokens.length >= 2, 'the length follows the estimate, here still moderate');
  });

  void it('drafts longer once the source has been right many times in a row', () => {
    const prediction = Array.from({ length: 400 }, (_, index) => 1000 + index);
    const memory = new SpeculationMemory();
    const { costs } = memory;
    const speculator = new Speculator({ promptTokens: [], predictionTokens: prediction, lookup: false, memory, maxDraftTokens: 64 });
    speculator.plainStep(1000, 10, false);
    speculator.plainStep(1001, 10, true);
    // A batch of n tokens costs 6 + 2.5 n ms against 10 ms for a plain step.
    for (let round = 0; round < 20; round += 1) for (const n of [4, 16, 48]) costs.recordBatch(n, 6 + 2.5 * n);
    let at = 2;
    const lengths: number[] = [];
    for (let step = 0; step < 8; step += 1) {
      const plan = speculator.plan(1, 1000);
      assert.ok(plan, `step ${step} drafts`);
      assert.deepEqual(plan.tokens, prediction.slice(at, at + plan.tokens.length));
      lengths.push(plan.tokens.length);
      const emitted = prediction.slice(at, at + plan.tokens.length + 1);
      speculator.verified({ source: 'prediction', batchTokens: plan.tokens.length + 1, drafted: plan.tokens.length, accepted: plan.tokens.length, ms: 6 + 2.5 * (plan.tokens.length + 1), emitted });
      at += emitted.length;
    }
    assert.ok((lengths.at(-1) ?? 0) > (lengths[0] ?? 0), `lengths grow: ${lengths.join(',')}`);
    assert.ok((lengths.at(-1) ?? 0) >= 32, `a long streak earns long drafts: ${lengths.join(',')}`);
    // A departure: the model writes 7 instead of the predicted token. The streak restarts, and so does the ramp.
    speculator.verified({ source: 'prediction', batchTokens: 9, drafted: 8, accepted: 0, ms: 26, emitted: [7] });
    const timings = speculator.timings();
    assert.equal(timings.draftableRuns, 1);
    assert.equal(timings.draftableTokens, at);
  });
});
