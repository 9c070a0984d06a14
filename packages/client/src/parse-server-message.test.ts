import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError } from './client-error.js';
import { parseServerMessage } from './parse-server-message.js';

const invalid = (error: unknown): boolean => ClientError.is(error) && error.code === 'invalid_event';

void describe('parseServerMessage', () => {
  void it('keeps fields it does not know, and fills logprobs a server left out', () => {
    const message = parseServerMessage(JSON.stringify({
      type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'hi', obfuscation: 'x', stream_id: 'main',
    }));
    assert.equal(message.kind, 'event');
    assert.equal(message.streamId, 'main');
    assert.deepEqual(message.kind === 'event' ? message.event : undefined, {
      type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'hi', obfuscation: 'x', stream_id: 'main', logprobs: [],
    });
  });

  void it('skips event types it does not know (hosted tools, summary part markers, keep-alives)', () => {
    assert.deepEqual(parseServerMessage('{"type":"response.reasoning_summary_part.added","summary_index":0}'), { kind: 'ignored', type: 'response.reasoning_summary_part.added', streamId: undefined });
    assert.equal(parseServerMessage('{"type":"web_search_call.in_progress","sequence_number":1}').kind, 'ignored');
    assert.equal(parseServerMessage('{"type":"keepalive","sequence_number":1}').kind, 'ignored');
  });

  void it('reads a reasoning summary as it streams (OpenAI\'s reasoning models), and checks its fields', () => {
    const message = parseServerMessage('{"type":"response.reasoning_summary_text.delta","sequence_number":4,"item_id":"rs_1","output_index":0,"summary_index":1,"delta":"x","obfuscation":"q"}');
    assert.equal(message.kind === 'event' && message.event.type === 'response.reasoning_summary_text.delta' ? message.event.summary_index : undefined, 1);
    assert.throws(() => parseServerMessage('{"type":"response.reasoning_summary_text.delta","delta":"x"}'), (error: unknown) => error instanceof Error && /item_id|summary_index|sequence_number/.test(error.message));
  });

  void it('lets unknown output item types through but checks the known ones', () => {
    const response = (output: unknown[]): string => JSON.stringify({ type: 'response.completed', sequence_number: 0, response: { id: 'resp_1', status: 'completed', output } });
    assert.equal(parseServerMessage(response([{ type: 'web_search_call', id: 'ws_1' }])).kind, 'event');
    assert.equal(parseServerMessage(response([{ type: 'function_call', id: 'fc_1', call_id: 'c', name: 'f', arguments: '{}' }])).kind, 'event');
    assert.throws(() => parseServerMessage(response([{ type: 'function_call', id: 'fc_1', call_id: 'c', name: 'f' }])), invalid);
  });

  void it('turns both error shapes into a ClientError with code, status and param', () => {
    const envelope = parseServerMessage(JSON.stringify({
      type: 'error', status: 400, stream_id: 'main',
      error: { type: 'invalid_request_error', code: 'previous_response_not_found', message: 'Previous response not found.', param: 'previous_response_id' },
    }));
    assert.equal(envelope.kind, 'error');
    assert.equal(envelope.streamId, 'main');
    const error = envelope.kind === 'error' ? envelope.error : undefined;
    assert.deepEqual([error?.code, error?.status, error?.param, error?.type, error?.message],
      ['previous_response_not_found', 400, 'previous_response_id', 'invalid_request_error', 'Previous response not found.']);
    const flat = parseServerMessage('{"type":"error","sequence_number":2,"code":null,"message":"boom","param":null}');
    assert.deepEqual(flat.kind === 'error' ? [flat.error.code, flat.error.status, flat.error.message] : [], ['server_error', undefined, 'boom']);
  });

  void it('rejects what is not a JSON object with a string type, and malformed known events, without quoting them', () => {
    for (const text of ['not json', '[1]', 'null', '"text"', '{"type":7}', '{"no":"type"}']) assert.throws(() => parseServerMessage(text), invalid, text);
    assert.throws(() => parseServerMessage('{"type":"response.output_text.delta","sequence_number":1,"delta":"SECRET"}'), (error: unknown) => {
      assert.ok(invalid(error));
      assert.ok(error instanceof Error && !error.message.includes('SECRET'));
      assert.match(error.message, /response\.output_text\.delta/);
      return true;
    });
    assert.throws(() => parseServerMessage('{"type":"error","what":"no message"}'), invalid);
  });
});
