import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostFrameError, hostMessageSchema, parseHostMessage } from './host-frames.js';

const text = { type: 'text.delta', thread_id: 't', turn_id: 'u', seq: 3, response_id: 'r', delta: 'Hi' };
const tool = { type: 'tool_input.delta', thread_id: 't', turn_id: null, seq: 4, response_id: 'r', call_id: 'c', delta: '{"a"' };
const background = { type: 'background.delta', thread_id: 't', turn_id: null, seq: 7, agent_id: 'bg1', delta: 'Looking' };
const idle = { type: 'thread.idle', thread_id: 't', turn_id: null, seq: 5 };

void describe('parseHostMessage: event frames', () => {
  void it('reads deltas by hand exactly as the schema does (unknown fields dropped)', () => {
    for (const frame of [
      { type: 'event', event: text },
      { type: 'event', event: { ...tool, extra: 1 } },
      { type: 'events', events: [text, tool, idle] },
      { type: 'events', events: [idle, { ...text, seq: 6 }], extra: true },
      { type: 'event', event: background },
      { type: 'events', events: [text, { ...background, response_id: 'r' }, idle] },
    ]) {
      assert.deepEqual(parseHostMessage(JSON.stringify(frame)), hostMessageSchema.parse(frame));
    }
  });

  void it('rejects malformed deltas and batches', () => {
    for (const frame of [
      { type: 'event', event: { ...text, seq: -1 } },
      { type: 'event', event: { ...text, seq: 1.5 } },
      { type: 'event', event: { ...text, delta: 5 } },
      { type: 'event', event: { ...tool, call_id: undefined } },
      { type: 'event', event: { ...text, thread_id: undefined } },
      { type: 'event', event: { ...background, agent_id: 3 } },
      { type: 'events', events: [{ ...background, delta: null }] },
      { type: 'events', events: [text, { ...text, turn_id: 3 }] },
      { type: 'events', events: [text, { type: 'nope', thread_id: 't', turn_id: null, seq: 9 }] },
      { type: 'events', events: [] },
      { type: 'events', events: 'x' },
    ]) {
      assert.throws(() => parseHostMessage(JSON.stringify(frame)), (error: unknown) => error instanceof HostFrameError && error.code === 'invalid_frame', JSON.stringify(frame));
    }
  });
});
