import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventChannel } from './event-channel.js';

void describe('EventChannel', () => {
  void it('ends a next() that is waiting when the iterator is returned from outside (a pump loop being closed)', async () => {
    let cancelled = 0;
    const channel = new EventChannel<number>(() => { cancelled += 1; });
    const iterator = channel[Symbol.asyncIterator]();
    const pending = iterator.next();
    await iterator.return?.();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(cancelled, 1);
  });
});
