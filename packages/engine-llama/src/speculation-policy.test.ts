import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AcceptanceEstimate, chooseDraftLength, MIN_SPECULATIVE_GAIN, StepCosts } from './speculation-policy.js';

void describe('AcceptanceEstimate', () => {
  void it('starts at its prior and follows recent trials', () => {
    const estimate = new AcceptanceEstimate(0.5, 4);
    assert.equal(estimate.value, 0.5);
    estimate.record(20, 20);
    assert.ok(estimate.value > 0.85, String(estimate.value));
    estimate.record(0, 20);
    assert.ok(estimate.value < 0.4, String(estimate.value));
  });
});

void describe('StepCosts', () => {
  void it('knows nothing before a plain step, then assumes the prior batch cost', () => {
    const costs = new StepCosts();
    assert.equal(costs.batchModel(), undefined);
    costs.recordPlain(10);
    const model = costs.batchModel();
    assert.ok(model);
    assert.ok(Math.abs(model.a - 10) < 1e-6 && Math.abs(model.b - 3.5) < 1e-6, JSON.stringify(model));
  });

  void it('fits measured batches as a + b * n, recent ones weighing most', () => {
    const costs = new StepCosts();
    costs.recordPlain(10);
    for (let round = 0; round < 20; round += 1) for (const n of [4, 16, 32]) costs.recordBatch(n, 6 + 1.5 * n);
    const model = costs.batchModel();
    assert.ok(model);
    assert.ok(Math.abs(model.b - 1.5) < 0.2, JSON.stringify(model));
    assert.ok(Math.abs(model.a - 6) < 3, JSON.stringify(model));
  });

  void it('lets expensive batches fade as plain steps go by, so speculation is tried again', () => {
    const costs = new StepCosts();
    costs.recordPlain(10);
    for (let round = 0; round < 10; round += 1) costs.recordBatch(16, 4000);
    const spiked = costs.batchModel();
    for (let step = 0; step < 600; step += 1) costs.recordPlain(10);
    const later = costs.batchModel();
    assert.ok(spiked && later && later.a + 16 * later.b < (spiked.a + 16 * spiked.b) / 10);
  });
});

void describe('chooseDraftLength', () => {
  const batch = { a: 10, b: 1.5 };
  void it('drafts long when drafts are nearly always right and batches are cheap', () => {
    const choice = chooseDraftLength({ acceptance: 0.99, available: 64, pending: 1, plainMs: 10, batch });
    assert.ok(choice.tokens >= 32, JSON.stringify(choice));
    assert.ok(choice.gain > 2.5);
  });

  void it('takes a plain step when drafts are often wrong, batches are dear, or nothing is drafted', () => {
    assert.equal(chooseDraftLength({ acceptance: 0.3, available: 64, pending: 1, plainMs: 10, batch }).tokens, 0);
    assert.equal(chooseDraftLength({ acceptance: 0.95, available: 64, pending: 1, plainMs: 10, batch: { a: 10, b: 12 } }).tokens, 0);
    assert.equal(chooseDraftLength({ acceptance: 1, available: 0, pending: 1, plainMs: 10, batch }).tokens, 0);
  });

  void it('never drafts more than is available, and only when the gain clears the margin', () => {
    const choice = chooseDraftLength({ acceptance: 1, available: 5, pending: 1, plainMs: 10, batch });
    assert.equal(choice.tokens, 5);
    assert.ok(choice.gain >= MIN_SPECULATIVE_GAIN);
  });
});
