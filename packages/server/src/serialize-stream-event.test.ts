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

  void it('writes a text delta, the per-token event, exactly as JSON.stringify of a copy would', () => {
    const deltas = ['', ' ok', 'a"\\b', '\n\r\t\u0000\u001f\u007f', '\u2028\u2029', '\u00e9\ud83d\ude00', '\ud800', '</script>', '{"x":1}'];
    for (const text of deltas) {
      for (const [outputIndex, contentIndex] of [[0, 0], [3, 1], [-0, 0]] as const) {
        const event: StreamEventBody = { type: 'response.output_text.delta', item_id: 'msg_"1', output_index: outputIndex, content_index: contentIndex, delta: text, logprobs: [] };
        for (const lane of [undefined, 'main', 'a.b-c_d']) assert.equal(serializeStreamEvent(event, 41, lane), copied(event, 41, lane), JSON.stringify([text, lane]));
      }
    }
    // A delta with logprobs or an extra field is not the shape the fast path knows: still exact.
    const withLogprobs = { ...delta, logprobs: [{ token: 'a' }] } as StreamEventBody;
    assert.equal(serializeStreamEvent(withLogprobs, 1), copied(withLogprobs, 1));
    const extra = { ...delta, obfuscation: 'xyz' } as StreamEventBody;
    assert.equal(serializeStreamEvent(extra, 1), copied(extra, 1));
  });

  void it('writes created and in_progress sharing one snapshot, and the terminal event, as a copy would', () => {
    const response = { id: 'resp_1', object: 'response', status: 'in_progress', tools: [{ type: 'function', name: 'f', parameters: { a: '"' } }], output: [] };
    const created = { type: 'response.created', response } as unknown as StreamEventBody;
    const inProgress = { type: 'response.in_progress', response } as unknown as StreamEventBody;
    const completed = { type: 'response.completed', response: { ...response, status: 'completed' } } as unknown as StreamEventBody;
    for (const [event, sequence] of [[created, 0], [inProgress, 1], [completed, 8], [created, 0]] as const) {
      assert.equal(serializeStreamEvent(event, sequence), copied(event, sequence));
      assert.equal(serializeStreamEvent(event, sequence, 'lane'), copied(event, sequence, 'lane'));
    }
  });
});
