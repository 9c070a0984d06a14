import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '@spark/engine';
import type { CreateResponseBody, ResponseStreamEvent } from '@spark/protocol';
import { createResponseObject } from './response-object.js';
import { StreamResponse, type StreamEventBody } from './stream-response.js';

const body: CreateResponseBody = { model: 'm', input: 'hi' };

/** Feeds the mapper the way the service does, then numbers the events the way a transport does. */
async function collect(events: EngineEvent[]): Promise<ResponseStreamEvent[]> {
  let counter = 0;
  const stream = new StreamResponse({
    response: createResponseObject(body, 'resp_1', 100), now: () => 101, newItemId: (prefix) => `${prefix}_${++counter}`,
  });
  const out: StreamEventBody[] = [];
  stream.start(out);
  for (const event of events) if (stream.push(event, out)) break;
  out.push(stream.end(out));
  return out.map(({ type, ...fields }, index) => ({ type, sequence_number: index, ...fields }) as ResponseStreamEvent);
}

const prompt: EngineEvent = { type: 'prompt', inputTokens: 5, cachedInputTokens: 0 };

void describe('reasoning events', () => {
  void it('stream a reasoning item as spec §2.5 (Example B) shows it, before the next item', async () => {
    const events = await collect([
      prompt,
      { type: 'reasoning-delta', delta: 'Need' },
      { type: 'reasoning-delta', delta: ' ls.' },
      { type: 'tool-call-start', callId: 'call_1', name: 'exec_command', kind: 'function' },
      { type: 'tool-call-end', callId: 'call_1', arguments: '{"cmd":"ls"}' },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 3, reasoningTokens: 2 } },
    ]);
    // The exact frames of /work/shared/spec/responses-api.md §2.5, with this run's ids and numbers.
    assert.deepEqual(events.slice(2, 8).map((event) => JSON.stringify(event)), [
      '{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"reasoning","id":"rs_1","status":"in_progress","summary":[],"content":[]}}',
      '{"type":"response.content_part.added","sequence_number":3,"item_id":"rs_1","output_index":0,"content_index":0,"part":{"type":"reasoning_text","text":""}}',
      '{"type":"response.reasoning_text.delta","sequence_number":4,"item_id":"rs_1","output_index":0,"content_index":0,"delta":"Need"}',
      '{"type":"response.reasoning_text.delta","sequence_number":5,"item_id":"rs_1","output_index":0,"content_index":0,"delta":" ls."}',
      '{"type":"response.reasoning_text.done","sequence_number":6,"item_id":"rs_1","output_index":0,"content_index":0,"text":"Need ls."}',
      '{"type":"response.content_part.done","sequence_number":7,"item_id":"rs_1","output_index":0,"content_index":0,"part":{"type":"reasoning_text","text":"Need ls."}}',
    ]);
    assert.equal(JSON.stringify(events[8]),
      '{"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":{"type":"reasoning","id":"rs_1","status":"completed","summary":[],"content":[{"type":"reasoning_text","text":"Need ls."}],"encrypted_content":null}}');
    assert.deepEqual(events.slice(9).map((event) => event.type), [
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ]);
    const done = events.at(-1);
    assert.ok(done?.type === 'response.completed');
    assert.deepEqual(done.response.output.map((item) => item.type), ['reasoning', 'function_call']);
    assert.equal(done.response.usage?.output_tokens_details.reasoning_tokens, 2);
  });

  void it('echo the engine\'s opaque payload as encrypted_content and leave an interrupted item incomplete', async () => {
    const events = await collect([
      prompt,
      { type: 'reasoning-delta', delta: 'Hmm', encryptedContent: 'first' },
      { type: 'reasoning-delta', delta: '', encryptedContent: 'last' },
      { type: 'finish', reason: 'aborted', usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 1 } },
    ]);
    assert.deepEqual(events.filter((event) => event.type === 'response.reasoning_text.delta').length, 1, 'an empty delta only carries its payload');
    const done = events.find((event) => event.type === 'response.output_item.done');
    assert.deepEqual(done?.type === 'response.output_item.done' ? done.item : undefined, {
      type: 'reasoning', id: 'rs_1', status: 'incomplete', summary: [], content: [{ type: 'reasoning_text', text: 'Hmm' }], encrypted_content: 'last',
    });
    assert.equal(events.at(-1)?.type, 'response.incomplete');
  });

  void it('start a new message after reasoning, and nothing for an empty delta without a payload', async () => {
    const events = await collect([
      prompt,
      { type: 'reasoning-delta', delta: '' },
      { type: 'reasoning-delta', delta: 'think' },
      { type: 'text-delta', delta: 'Answer.' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 2, reasoningTokens: 1 } },
    ]);
    const added = events.filter((event) => event.type === 'response.output_item.added');
    assert.deepEqual(added.map((event) => (event.type === 'response.output_item.added' ? [event.output_index, event.item.type, event.item.id] : [])), [
      [0, 'reasoning', 'rs_1'], [1, 'message', 'msg_2'],
    ]);
  });
});
