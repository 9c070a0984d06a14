import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageHostEvents } from './page-host-events.js';

const delta = { type: 'text.delta', thread_id: 't', turn_id: 'u', seq: 3, response_id: 'r', delta: 'Hi' };

void describe('page host events', () => {
  void it('keeps the agent events of event frames and skips everything else', () => {
    const events = new PageHostEvents();
    events.frame('not json');
    events.frame(JSON.stringify({ type: 'result', id: '1', result: {} }));
    events.frame(JSON.stringify({ type: 'event', event: { type: 'text.delta', seq: 1 } }));
    events.frame(Buffer.from(JSON.stringify({ type: 'event', event: delta })));
    assert.equal(events.count('text.delta'), 1);
    assert.deepEqual(events.events[0], delta);
  });

  void it('unpacks `events` frames in order', () => {
    const events = new PageHostEvents();
    events.frame(JSON.stringify({ type: 'events', events: [delta, { ...delta, seq: 4, delta: '!' }] }));
    assert.deepEqual(events.events.map((event) => event.seq), [3, 4]);
  });

  void it('resolves a wait once an event makes it true, and rejects one that never comes true', async () => {
    const events = new PageHostEvents();
    const waiting = events.until(() => events.count('text.delta') > 0, 'a delta');
    events.frame(JSON.stringify({ type: 'event', event: delta }));
    await waiting;
    await assert.rejects(events.until(() => false, 'nothing', 10), /no nothing within 10 ms/);
  });
});
