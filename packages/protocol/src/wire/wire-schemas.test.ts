import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientFrame } from './parse-client-frame.js';
import { readServerMessage } from './read-server-message.js';
import { responseStreamEventSchema } from './stream-event-schema.js';

const delta = { type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'hi', logprobs: [] };

void describe('wire schemas', () => {
  void it('parses client frames from text: lane, warm-up and steering', () => {
    const create = parseClientFrame(JSON.stringify({ type: 'response.create', model: 'm', input: 'hi', stream_id: 'a.b', generate: false }));
    assert.ok(create.kind === 'create' && create.streamId === 'a.b' && !create.generate);
    const steer = parseClientFrame('{"type":"response.steer","previous_response_id":"resp_1","input":"shorter"}');
    assert.deepEqual(steer.kind === 'steer' ? steer.items : undefined, [{ type: 'message', role: 'user', content: 'shorter' }]);
    const bad = parseClientFrame('{"type":"response.create","model":"m","stream_id":"no spaces"}');
    assert.ok(bad.kind === 'error' && bad.error.code === 'invalid_stream_id');
  });

  void it('holds the stream events to the shapes Spark writes; a reader is looser and keeps what it does not know', () => {
    assert.ok(responseStreamEventSchema.safeParse(delta).success);
    assert.equal(responseStreamEventSchema.safeParse({ ...delta, logprobs: undefined }).success, false);
    assert.equal(responseStreamEventSchema.safeParse({ ...delta, type: 'response.output_text.appended' }).success, false);
    const read = readServerMessage({ ...delta, logprobs: undefined, obfuscation: 'x' });
    assert.deepEqual(read, { kind: 'event', event: { ...delta, obfuscation: 'x' }, streamId: undefined });
    assert.deepEqual(readServerMessage({ ...delta, delta: 7 }), { kind: 'malformed', type: 'response.output_text.delta', path: 'delta' });
  });
});
