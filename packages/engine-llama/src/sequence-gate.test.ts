import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SequenceGate } from './sequence-gate.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SequenceGate', () => {
  it('runs tasks one at a time, in order', async () => {
    const gate = new SequenceGate();
    const log: string[] = [];
    const task = (name: string) => async (): Promise<string> => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([gate.run(task('a')), gate.run(task('b')), gate.run(task('c'))]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('keeps going after a task fails', async () => {
    const gate = new SequenceGate();
    await assert.rejects(gate.run(() => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await gate.run(() => Promise.resolve(1)), 1);
  });

  it('takes two gates in a fixed order, so crossing copies do not deadlock', async () => {
    const x = { gate: new SequenceGate(), order: 0 };
    const y = { gate: new SequenceGate(), order: 1 };
    const both = await Promise.all([
      SequenceGate.runBoth(x, y, async () => { await tick(); return 'xy'; }),
      SequenceGate.runBoth(y, x, async () => { await tick(); return 'yx'; }),
    ]);
    assert.deepEqual(both, ['xy', 'yx']);
    assert.equal(await SequenceGate.runBoth(x, x, () => Promise.resolve('same')), 'same');
  });
});
