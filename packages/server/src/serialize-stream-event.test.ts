import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeStreamEvent } from './serialize-stream-event.js';
import type { StreamEventBody } from './stream-response.js';

const delta: StreamEventBody = { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'a"\n}', logprobs: [] };

/** What the transports wrote before: the event copied with `sequence_number` second and `stream_id` last. */
function copied(event: StreamEventBody, sequence: number, streamId?: string): string {
  const { type, ...fields } = event;
  return JSON.stringify({ type, sequence_number: sequence, ...fields, ...(streamId === undefined ? {} : { stream_id: streamId }) });
}

void describe('serializeStreamEvent', () => {
  void it('puts sequence_number second, as a copy of the event would', () => {
    assert.equal(serializeStreamEvent(delta, 7), copied(delta, 7));
    assert.equal(serializeStreamEvent(delta, 7), '{"type":"response.output_text.delta","sequence_number":7,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"a\\"\\n}","logprobs":[]}');
  });

  void it("appends a lane's stream_id last", () => {
    assert.equal(serializeStreamEvent(delta, 0, 'main'), copied(delta, 0, 'main'));
    const bare = { type: 'response.in_progress' } as unknown as StreamEventBody;
    assert.equal(serializeStreamEvent(bare, 3), '{"type":"response.in_progress","sequence_number":3}');
    assert.equal(serializeStreamEvent(bare, 3, 'x'), '{"type":"response.in_progress","sequence_number":3,"stream_id":"x"}');
  });

  void it('refuses an event whose first key is not type', () => {
    const misordered = { item_id: 'msg_1', type: 'response.output_text.delta' } as unknown as StreamEventBody;
    assert.throws(() => serializeStreamEvent(misordered, 0), /first key/);
  });
});
