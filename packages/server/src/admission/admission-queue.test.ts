import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@spark/protocol';
import { AdmissionQueue } from './admission-queue.js';

const queue = (depth: number): AdmissionQueue => new AdmissionQueue({ slots: 1, depth, maxWaitMs: 60_000, minRetryAfterSeconds: 1 });
const status = (error: unknown): number | undefined => (ApiError.is(error) ? error.status : undefined);

void describe('AdmissionQueue', () => {
  void it('with depth 0 refuses with 429 as soon as every slot is taken, and admits again once one is free', async () => {
    const q = queue(0);
    const permit = await q.acquire('a');
    await assert.rejects(q.acquire('b'), (error) => status(error) === 429);
    permit.release();
    permit.release();
    assert.equal(q.inFlight, 0);
    (await q.acquire('b')).release();
  });

  void it('grants in round-robin order over clients, each client first-in-first-out', async () => {
    const q = queue(10);
    const holder = await q.acquire('a');
    const order: string[] = [];
    const wait = (client: string, tag: string): Promise<void> => q.acquire(client).then((permit) => { order.push(tag); permit.release(); });
    const all = [wait('a', 'a1'), wait('a', 'a2'), wait('a', 'a3'), wait('b', 'b1'), wait('c', 'c1'), wait('b', 'b2')];
    assert.equal(q.queued, 6);
    holder.release();
    await Promise.all(all);
    assert.deepEqual(order, ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  void it('admits waiting foreground requests before waiting background ones, round-robin within each priority', async () => {
    const q = queue(10);
    const holder = await q.acquire('a');
    const order: string[] = [];
    const wait = (client: string, tag: string, priority: 'foreground' | 'background'): Promise<void> =>
      q.acquire(client, undefined, priority).then((permit) => { order.push(tag); permit.release(); });
    // One agent's socket ('a') queues two background steps before its foreground turn; 'b' has one of each.
    const all = [wait('a', 'a-bg1', 'background'), wait('a', 'a-bg2', 'background'), wait('b', 'b-bg', 'background'), wait('a', 'a-fg', 'foreground'), wait('b', 'b-fg', 'foreground')];
    const gone = new AbortController();
    const leaves = q.acquire('c', gone.signal, 'foreground');
    gone.abort(new Error('left'));
    await assert.rejects(leaves, /left/);
    assert.equal(q.queued, 5);
    holder.release();
    await Promise.all(all);
    assert.deepEqual(order, ['a-fg', 'b-fg', 'a-bg1', 'b-bg', 'a-bg2']);
  });

  void it('lets an aborted waiter leave at once with the abort reason, and refuses everyone with the closing error', async () => {
    const q = queue(10);
    const holder = await q.acquire('a');
    const gone = new AbortController();
    const left = q.acquire('b', gone.signal);
    const stays = q.acquire('c');
    gone.abort(new Error('client left'));
    await assert.rejects(left, /client left/);
    assert.equal(q.queued, 1);
    const closing = new ApiError(503, 'server_error', 'server_shutting_down', 'bye');
    q.close(closing);
    await assert.rejects(stays, (error) => error === closing);
    await assert.rejects(q.acquire('d'), (error) => error === closing);
    holder.release();
    assert.equal(q.inFlight, 0);
  });

  void it('suggests the floor as Retry-After before any request finished', () => {
    assert.equal(new AdmissionQueue({ slots: 2, depth: 1, maxWaitMs: 1, minRetryAfterSeconds: 3 }).retryAfterSeconds(), 3);
  });
});
