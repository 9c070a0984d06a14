import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StepBatcher } from './step-batcher.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void test('a lone generation steps at once; several step together once all have asked', async () => {
  const batcher = new StepBatcher(1000);
  const leaveA = batcher.enterStepping();
  const doneA = await batcher.nextStep();
  doneA();
  const leaveB = batcher.enterStepping();
  const order: string[] = [];
  const a = batcher.nextStep().then((done) => { order.push('a'); return done; });
  await tick();
  assert.equal(order.length, 0, 'a waits for b');
  const b = batcher.nextStep().then((done) => { order.push('b'); return done; });
  const [doneA2, doneB] = await Promise.all([a, b]);
  assert.deepEqual(order, ['a', 'b']);
  doneA2();
  doneB();
  leaveA();
  leaveB();
});

void test('waits for steps in flight instead of splitting the batch, then all step together', async () => {
  const batcher = new StepBatcher(50);
  const leaves = [batcher.enterStepping(), batcher.enterStepping(), batcher.enterStepping()];
  // a and b ask while c is busy elsewhere: after the short wait they step without it.
  const [doneA, doneB] = await Promise.all([batcher.nextStep(), batcher.nextStep()]);
  // c asks while their steps are being decoded: it waits for them, past the short wait.
  let released = false;
  const c = batcher.nextStep().then((done) => { released = true; return done; });
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(released, false, 'c waits for the steps in flight, past the 50 ms wait');
  doneA();
  doneB();
  await tick();
  assert.equal(released, false, 'a and b are back but have not asked yet');
  const [doneA2, doneB2, doneC] = await Promise.all([batcher.nextStep(), batcher.nextStep(), c]);
  assert.equal(released, true);
  for (const done of [doneA2, doneB2, doneC]) done();
  // A generation that stops no longer holds the others back.
  leaves[2]?.();
  const both = Promise.all([batcher.nextStep(), batcher.nextStep()]);
  for (const done of await both) done();
  leaves[0]?.();
  leaves[1]?.();
});

void test('a generation held up elsewhere delays the others by at most the wait', async () => {
  const batcher = new StepBatcher(5);
  const leaveA = batcher.enterStepping();
  const leaveB = batcher.enterStepping();
  const started = performance.now();
  const done = await batcher.nextStep();
  assert.ok(performance.now() - started >= 3, 'waited for b');
  done();
  leaveA();
  leaveB();
});
