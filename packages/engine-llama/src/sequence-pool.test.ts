import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '@spark/engine';
import { MIN_PREFIX_REUSE_TOKENS } from './pick-sequence-slot.js';
import { SequencePool } from './sequence-pool.js';

const never = new AbortController().signal;
const prompt = (base: number, length = MIN_PREFIX_REUSE_TOKENS + 4): number[] => Array.from({ length }, (_, i) => base + i);

describe('SequencePool', () => {
  it('lends idle sequences and counts them as active', async () => {
    const pool = new SequencePool(['a', 'b'], 1);
    const first = await pool.acquire([1], undefined, never);
    const second = await pool.acquire([2], undefined, never);
    assert.deepEqual([first?.sequence, second?.sequence].sort(), ['a', 'b']);
    assert.equal(pool.active, 2);
  });

  it('routes a prompt to the sequence that cached its prefix', async () => {
    const pool = new SequencePool(['a', 'b'], 0);
    const one = await pool.acquire(prompt(100), undefined, never);
    const two = await pool.acquire(prompt(500), undefined, never);
    assert.ok(one && two);
    pool.release(one, prompt(100), undefined);
    pool.release(two, prompt(500), undefined);
    const again = await pool.acquire([...prompt(500), 7, 8], undefined, never);
    assert.equal(again?.sequence, two.sequence);
    assert.equal(again?.commonPrefix, prompt(500).length);
  });

  it('hands a released sequence to a waiting foreground request before background ones queued earlier, FIFO within each', async () => {
    const pool = new SequencePool(['a'], 8);
    let held = await pool.acquire([1], undefined, never);
    const order: string[] = [];
    const wait = (tag: string, priority: 'foreground' | 'background'): Promise<void> =>
      pool.acquire([2], undefined, never, priority).then((lease) => { order.push(tag); held = lease; });
    const all = [wait('bg1', 'background'), wait('bg2', 'background'), wait('fg1', 'foreground'), wait('fg2', 'foreground'), wait('bg3', 'background')];
    assert.equal(pool.queued, 5);
    for (let served = 0; served < all.length; served += 1) {
      const lease = held;
      assert.ok(lease);
      pool.release(lease, [2], undefined);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(all);
    assert.deepEqual(order, ['fg1', 'fg2', 'bg1', 'bg2', 'bg3']);
  });

  it('queues FIFO when all sequences are busy and hands released ones over in order', async () => {
    const pool = new SequencePool(['a'], 2);
    const held = await pool.acquire([1], undefined, never);
    assert.ok(held);
    const order: string[] = [];
    const first = pool.acquire([2], undefined, never).then((lease) => { order.push('first'); return lease; });
    const second = pool.acquire([3], undefined, never).then((lease) => { order.push('second'); return lease; });
    assert.equal(pool.queued, 2);
    pool.release(held, [1], undefined);
    const lease = await first;
    assert.ok(lease);
    pool.release(lease, [2], undefined);
    await second;
    assert.deepEqual(order, ['first', 'second']);
  });

  it('refuses with overloaded when the queue is full', async () => {
    const pool = new SequencePool(['a'], 1);
    await pool.acquire([1], undefined, never);
    const waiting = pool.acquire([2], undefined, never);
    await assert.rejects(pool.acquire([3], undefined, never), (error) => EngineError.is(error) && error.code === 'overloaded');
    pool.close(new EngineError('internal', 'closed'));
    await assert.rejects(waiting);
  });

  it('resolves undefined and leaves the queue when the waiter aborts', async () => {
    const pool = new SequencePool(['a'], 4);
    const held = await pool.acquire([1], undefined, never);
    assert.ok(held);
    const controller = new AbortController();
    const waiting = pool.acquire([2], undefined, controller.signal);
    controller.abort();
    assert.equal(await waiting, undefined);
    assert.equal(pool.queued, 0);
    pool.release(held, [1], undefined);
    assert.equal(pool.active, 0);
  });

  it('does not lend to an already aborted request', async () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(await new SequencePool(['a'], 1).acquire([1], undefined, controller.signal), undefined);
  });

  it('remembers the cached tokens a released sequence holds', async () => {
    const pool = new SequencePool(['a'], 0);
    const lease = await pool.acquire([1, 2], 'key', never);
    assert.ok(lease);
    pool.release(lease, [1, 2, 3], 'key');
    assert.deepEqual(pool.slotTokens(0), [1, 2, 3]);
  });

  it('proposes copying the prefix of a busy sequence (a fork) and knows busy ones by their prompt', async () => {
    const pool = new SequencePool(['a', 'b'], 0, 256);
    const history = prompt(1000, 400);
    const first = await pool.acquire([...history, 1], undefined, never);
    assert.ok(first);
    assert.deepEqual(pool.slotTokens(first.slot), [...history, 1]);
    const fork = await pool.acquire([...history, 2], undefined, never);
    assert.ok(fork && fork.slot !== first.slot);
    assert.deepEqual(fork.copyFrom, { sequence: first.sequence, slot: first.slot, commonPrefix: 400 });
    pool.release(first, [...history, 1], undefined);
    pool.release(fork, [...history, 2], undefined);
    // Idle again: the longest prefix is simply picked, nothing to copy.
    const again = await pool.acquire([...history, 3], undefined, never);
    assert.equal(again?.copyFrom, undefined);
    assert.equal(again?.commonPrefix, 400);
  });

  it('proposes no copy for a short shared prefix', async () => {
    const pool = new SequencePool(['a', 'b'], 0, 256);
    await pool.acquire([...prompt(1, 100), 1], undefined, never);
    const other = await pool.acquire([...prompt(1, 100), 2], undefined, never);
    assert.equal(other?.copyFrom, undefined);
  });
});
