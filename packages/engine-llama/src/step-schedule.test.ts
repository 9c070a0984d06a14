import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planStepRelease, type PriorityCounts, type StepScheduleState } from './step-schedule.js';

const idle: PriorityCounts = { stepping: 0, waitingSteps: 0, waitingBatches: 0, inFlight: 0 };
function state(partial: { prefills?: number; fg?: Partial<PriorityCounts>; bg?: Partial<PriorityCounts>; since?: number }): StepScheduleState {
  return {
    foregroundPrefills: partial.prefills ?? 0,
    foreground: { ...idle, ...partial.fg },
    background: { ...idle, ...partial.bg },
    foregroundBatchesSinceBackground: partial.since ?? 0,
  };
}
const options = { backgroundInterval: 2 };

void test('with no foreground work the background is batched among itself, as the foreground is', () => {
  assert.deepEqual(planStepRelease(state({ bg: { stepping: 2, waitingSteps: 2 } }), options), { foreground: false, background: true, timer: undefined, foregroundBatchesSinceBackground: 0 });
  assert.equal(planStepRelease(state({ bg: { stepping: 2, waitingSteps: 1 } }), options).timer, 'batch');
  assert.equal(planStepRelease(state({ bg: { stepping: 2, waitingSteps: 1 } }), { ...options, batchExpired: true }).background, true);
  assert.equal(planStepRelease(state({ bg: { stepping: 2, waitingSteps: 1, inFlight: 1 } }), options).timer, undefined, 'waits for the step in flight');
  assert.equal(planStepRelease(state({ bg: { stepping: 2, waitingBatches: 1 } }), options).background, true, 'a prefill chunk goes at once');
});

void test('nothing of the background starts while a foreground generation prefills, whatever expired', () => {
  for (const extra of [{}, { batchExpired: true }, { stallExpired: true }]) {
    const plan = planStepRelease(state({ prefills: 1, bg: { stepping: 2, waitingSteps: 2, waitingBatches: 1 } }), { ...options, ...extra });
    assert.equal(plan.background, false);
  }
  // Foreground steps of other generations go on meanwhile.
  const plan = planStepRelease(state({ prefills: 1, fg: { stepping: 1, waitingSteps: 1 }, bg: { stepping: 1, waitingSteps: 1 } }), options);
  assert.deepEqual([plan.foreground, plan.background], [true, false]);
});

void test('while the foreground decodes, the background joins one foreground batch in `backgroundInterval`', () => {
  let since = 0;
  const joined: boolean[] = [];
  for (let batch = 0; batch < 6; batch++) {
    const plan = planStepRelease(state({ fg: { stepping: 1, waitingSteps: 1 }, bg: { stepping: 2, waitingSteps: 2 }, since }), options);
    assert.equal(plan.foreground, true);
    joined.push(plan.background);
    since = plan.foregroundBatchesSinceBackground;
  }
  assert.deepEqual(joined, [false, true, false, true, false, true]);
  const everyBatch = planStepRelease(state({ fg: { stepping: 1, waitingSteps: 1 }, bg: { stepping: 1, waitingSteps: 1 } }), { backgroundInterval: 1 });
  assert.equal(everyBatch.background, true);
});

void test('a background step never starts between two foreground steps', () => {
  // The foreground's step is in flight, or it waits for the rest of its batch: the background waits for it.
  for (const fg of [{ stepping: 1, inFlight: 1 }, { stepping: 2, waitingSteps: 1, inFlight: 1 }, { stepping: 2, waitingSteps: 1 }]) {
    for (const extra of [{}, { stallExpired: true }]) {
      const plan = planStepRelease(state({ fg, bg: { stepping: 1, waitingSteps: 1 }, since: 5 }), { ...options, ...extra });
      assert.equal(plan.background, false, JSON.stringify({ fg, extra }));
    }
  }
});

void test('a foreground held up outside the engine lets the background step after the stall wait', () => {
  const stalled = state({ fg: { stepping: 1 }, bg: { stepping: 2, waitingSteps: 2 } });
  const plan = planStepRelease(stalled, options);
  assert.deepEqual([plan.foreground, plan.background, plan.timer], [false, false, 'stall']);
  assert.equal(planStepRelease(stalled, { ...options, stallExpired: true }).background, true);
});

void test('foreground batches never wait; foreground steps are batched as before', () => {
  assert.equal(planStepRelease(state({ fg: { stepping: 2, waitingBatches: 1 } }), options).foreground, true);
  assert.equal(planStepRelease(state({ fg: { stepping: 2, waitingSteps: 1 } }), options).timer, 'batch');
  assert.equal(planStepRelease(state({ fg: { stepping: 2, waitingSteps: 2 }, bg: { stepping: 3, inFlight: 3 } }), options).foreground, true, 'a background step in flight does not hold the foreground');
});
