import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StepBatcher } from './step-batcher.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void test('a lone generation steps at once; several step together once all have asked', async () => {
  const batcher = new StepBatcher({ maxWaitMs: 1000 });
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
  const batcher = new StepBatcher({ maxWaitMs: 50 });
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
  const batcher = new StepBatcher({ maxWaitMs: 5 });
  const leaveA = batcher.enterStepping();
  const leaveB = batcher.enterStepping();
  const started = performance.now();
  const done = await batcher.nextStep();
  assert.ok(performance.now() - started >= 3, 'waited for b');
  done();
  leaveA();
  leaveB();
});

void test('background steps wait while the foreground prefills, then join one foreground batch in two', async () => {
  // Waits far longer than the test: nothing here is released by a timer.
  const batcher = new StepBatcher({ maxWaitMs: 60_000, stallMs: 60_000, backgroundInterval: 2 });
  const leaveBg = batcher.enterStepping('background');
  const log: string[] = [];
  const step = (priority: 'foreground' | 'background', name: string): Promise<() => void> =>
    batcher.nextStep(priority).then((done) => { log.push(name); return done; });

  // Alone, the background steps at once.
  (await step('background', 'bg0'))();
  const endPrefill = batcher.beginPrefill('foreground');
  const held = step('background', 'bg1');
  await tick();
  assert.deepEqual(log, ['bg0'], 'no background step starts while the foreground prefills');
  // As the decode loop does: stepping first, so the foreground never looks idle in between.
  const leaveFg = batcher.enterStepping('foreground');
  endPrefill();
  await tick();
  assert.deepEqual(log, ['bg0'], 'nor while the foreground decodes without asking');

  // Foreground batch 1 goes alone; batch 2 takes the waiting background step with it.
  const fg1 = await step('foreground', 'fg1');
  await tick();
  assert.deepEqual(log, ['bg0', 'fg1']);
  fg1();
  const fg2 = await step('foreground', 'fg2');
  const bg1 = await held;
  assert.deepEqual(log.slice(0, 2), ['bg0', 'fg1']);
  assert.deepEqual(log.slice(2).sort(), ['bg1', 'fg2'], 'released together, for one llama_decode');
  fg2();
  bg1();

  // The foreground leaves: the background runs at full speed again.
  leaveFg();
  (await step('background', 'bg2'))();
  (await step('background', 'bg3'))();
  assert.deepEqual(log.slice(-2), ['bg2', 'bg3']);
  leaveBg();
});

void test('a background prefill chunk waits for its turn; a foreground batch never waits', async () => {
  const batcher = new StepBatcher({ maxWaitMs: 60_000, stallMs: 60_000, backgroundInterval: 1 });
  const leaveFg = batcher.enterStepping('foreground');
  const fgInFlight = await batcher.nextStep('foreground');
  let chunk = false;
  const bgChunk = batcher.nextBatch('background').then((done) => { chunk = true; return done; });
  await tick();
  assert.equal(chunk, false, 'waits for the foreground step to come back and ask again');
  // A foreground verification batch goes at once, taking the background chunk along (interval 1).
  const verify = await batcher.nextBatch('foreground');
  (await bgChunk)();
  assert.equal(chunk, true);
  verify();
  fgInFlight();
  leaveFg();
});
