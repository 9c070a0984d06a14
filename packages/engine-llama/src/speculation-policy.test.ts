import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AcceptanceEstimate, chooseDraftLength, MIN_SPECULATIVE_GAIN, StepCosts, STREAK_BUCKETS, StreakAcceptance, streakBucket } from './speculation-policy.js';

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

void describe('StreakAcceptance', () => {
  void it('buckets streaks by powers of two, the last bucket open-ended', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 7, 8, 31, 32, 1000].map(streakBucket), [0, 1, 2, 2, 3, 3, 4, 5, 6, 6]);
    assert.equal(streakBucket(1e9), STREAK_BUCKETS - 1);
  });

  void it('starts a generation from what earlier ones learned per streak, and teaches the memory as it goes', () => {
    const memory = new StreakAcceptance(0.5, 4, { decay: 0.995 });
    const first = new StreakAcceptance(0.5, 4, { shared: memory });
    // Sources four or more tokens into a streak were always right; fresh ones never.
    for (let round = 0; round < 30; round += 1) {
      first.record(4, 8, 8);
      first.record(0, 0, 1);
    }
    const fresh = new StreakAcceptance(0.5, 4);
    const second = new StreakAcceptance(0.5, 4, { shared: memory });
    assert.ok((second.along(4, 1)[0] ?? 0) > 0.9, String(second.along(4, 1)));
    assert.ok((second.along(0, 1)[0] ?? 1) < 0.1, String(second.along(0, 1)));
    assert.ok(Math.abs((fresh.along(4, 1)[0] ?? 0) - 0.5) < 1e-9, 'without memory: the prior');
    // This generation's own evidence overrides the memory once it has some.
    for (let round = 0; round < 20; round += 1) second.record(4, 0, 1);
    assert.ok((second.along(4, 1)[0] ?? 1) < 0.5, String(second.along(4, 1)));
  });

  void it('learns that long streaks go on while fresh ones often break', () => {
    const acceptance = new StreakAcceptance(0.5, 4);
    // Copying in bursts: after an anchor, the first tokens are right half the time; once 8 were right, the rest are.
    for (let burst = 0; burst < 30; burst += 1) {
      acceptance.record(0, burst % 2, 2);
      acceptance.record(8, 40, 40);
    }
    const [fresh = 0] = acceptance.along(0, 1);
    const long = acceptance.along(16, 4);
    assert.ok(fresh < 0.7, String(fresh));
    assert.ok(long.every((rate) => rate > 0.95), long.join(','));
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
    const choice = chooseDraftLength({ acceptance: [0.99], available: 64, pending: 1, plainMs: 10, batch });
    assert.ok(choice.tokens >= 32, JSON.stringify(choice));
    assert.ok(choice.gain > 2.5);
  });

  void it('takes a plain step when drafts are often wrong, batches are dear, or nothing is drafted', () => {
    assert.equal(chooseDraftLength({ acceptance: [0.3], available: 64, pending: 1, plainMs: 10, batch }).tokens, 0);
    assert.equal(chooseDraftLength({ acceptance: [0.95], available: 64, pending: 1, plainMs: 10, batch: { a: 10, b: 12 } }).tokens, 0);
    assert.equal(chooseDraftLength({ acceptance: [1], available: 0, pending: 1, plainMs: 10, batch }).tokens, 0);
  });

  void it('drafts long when per-position acceptance rises along the draft, short when it falls', () => {
    const rising = chooseDraftLength({ acceptance: [0.7, 0.8, 0.9, 0.95, 0.99], available: 64, pending: 1, plainMs: 10, batch });
    const falling = chooseDraftLength({ acceptance: [0.99, 0.95, 0.9, 0.8, 0.7], available: 64, pending: 1, plainMs: 10, batch });
    assert.ok(rising.tokens > 2 * falling.tokens, `${rising.tokens} vs ${falling.tokens}`);
  });

  void it('never drafts more than is available, and only when the gain clears the margin', () => {
    const choice = chooseDraftLength({ acceptance: [1], available: 5, pending: 1, plainMs: 10, batch });
    assert.equal(choice.tokens, 5);
    assert.ok(choice.gain >= MIN_SPECULATIVE_GAIN);
  });
});
