import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientFrame, type ClientFrame } from './parse-client-frame.js';

function parse(value: unknown, isBinary = false): ClientFrame {
  return parseClientFrame(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), isBinary);
}

function errorOf(frame: ClientFrame): { status: number; code: string | null; param: string | null; streamId: string | undefined; message: string } {
  assert.equal(frame.kind, 'error');
  if (frame.kind !== 'error') throw new Error('unreachable');
  return { status: frame.error.status, code: frame.error.code, param: frame.error.param, streamId: frame.streamId, message: frame.error.message };
}

void describe('parseClientFrame', () => {
  void it('parses response.create with every HTTP body field at top level; stream is ignored, stream_id and generate are taken out', () => {
    const frame = parse({ type: 'response.create', model: 'm', input: 'hi', stream: true, stream_id: 'lane.A-1_x', generate: false, client_metadata: { a: 1 } });
    assert.equal(frame.kind, 'create');
    if (frame.kind !== 'create') return;
    assert.equal(frame.streamId, 'lane.A-1_x');
    assert.equal(frame.generate, false);
    assert.equal(frame.body.model, 'm');
    assert.equal(frame.body.input, 'hi');
    assert.equal('stream_id' in frame.body, false);
    const plain = parse({ type: 'response.create', model: 'm', input: [] });
    assert.ok(plain.kind === 'create' && plain.streamId === undefined && plain.generate);
  });

  void it('rejects invalid stream_ids with invalid_stream_id (and does not echo them as the lane)', () => {
    for (const streamId of ['', 'a'.repeat(257), 'has space', 'slash/', 'ünï', 7]) {
      const error = errorOf(parse({ type: 'response.create', model: 'm', input: 'x', stream_id: streamId }));
      assert.deepEqual([error.status, error.code, error.param, error.streamId], [400, 'invalid_stream_id', 'stream_id', undefined]);
    }
    assert.equal(parse({ type: 'response.create', model: 'm', input: 'x', stream_id: 'a'.repeat(256) }).kind, 'create');
  });

  void it('maps body errors like HTTP, tagged with the lane; background:true is a 400', () => {
    const missing = errorOf(parse({ type: 'response.create', stream_id: 'l', input: 'x' }));
    assert.deepEqual([missing.status, missing.code, missing.param, missing.streamId], [400, 'missing_required_parameter', 'model', 'l']);
    const background = errorOf(parse({ type: 'response.create', model: 'm', input: 'x', background: true }));
    assert.deepEqual([background.status, background.param], [400, 'background']);
    const generate = errorOf(parse({ type: 'response.create', model: 'm', generate: 'no' }));
    assert.deepEqual([generate.status, generate.code, generate.param], [400, 'invalid_type', 'generate']);
  });

  void it('answers binary, non-JSON, non-object and unknown types with request-scoped errors that quote no payload', () => {
    assert.equal(errorOf(parse('{"type":"response.create"}', true)).code, 'invalid_frame');
    const bad = errorOf(parse('{not json secret'));
    assert.equal(bad.code, 'invalid_json');
    assert.doesNotMatch(bad.message, /secret/);
    assert.equal(errorOf(parse([1, 2])).param, 'type');
    assert.equal(errorOf(parse({ type: 5 })).param, 'type');
    const unknown = errorOf(parse({ type: 'response.append', input: 'secret' }));
    assert.deepEqual([unknown.status, unknown.code, unknown.param], [400, 'invalid_value', 'type']);
    assert.doesNotMatch(unknown.message, /secret/);
  });

  void it('parses response.steer: a string or user messages; anything else is kept for a steer.failed echo', () => {
    const text = parse({ type: 'response.steer', previous_response_id: 'resp_1', input: 'shorter please' });
    assert.ok(text.kind === 'steer');
    assert.deepEqual(text.items, [{ type: 'message', role: 'user', content: 'shorter please' }]);
    const items = parse({ type: 'response.steer', previous_response_id: 'resp_1', input: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }] }] });
    assert.ok(items.kind === 'steer' && items.items?.length === 1 && items.problem === undefined);
    for (const input of ['', [], [{ role: 'assistant', content: 'x' }], [{ type: 'function_call_output', call_id: 'c', output: 'o' }], 5]) {
      const invalid = parse({ type: 'response.steer', previous_response_id: 'resp_1', input });
      assert.ok(invalid.kind === 'steer' && invalid.items === undefined && typeof invalid.problem === 'string');
      assert.deepEqual(invalid.input, input);
    }
    const noId = parse({ type: 'response.steer', input: 'x' });
    assert.ok(noId.kind === 'steer' && noId.items === undefined && noId.previousResponseId === '');
  });

  void it('parses the response.cancel extension', () => {
    assert.deepEqual(parse({ type: 'response.cancel', response_id: 'resp_9' }), { kind: 'cancel', responseId: 'resp_9' });
    assert.equal(errorOf(parse({ type: 'response.cancel' })).param, 'response_id');
  });
});
