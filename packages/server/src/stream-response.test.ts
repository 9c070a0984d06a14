import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError, type EngineEvent } from '@spark/engine';
import type { CreateResponseBody, ResponseStreamEvent } from '@spark/protocol';
import { ResponseAbort, type AbortKind } from './response-abort.js';
import { createResponseObject } from './response-object.js';
import { StreamResponse, type StreamEventBody, type StreamResponseOptions } from './stream-response.js';

const body: CreateResponseBody = { model: 'm', input: 'hi' };
const usage = { inputTokens: 5, cachedInputTokens: 2, outputTokens: 3 };
const timings = { prefillMs: 1, prefillTokens: 3, decodeMs: 1, decodeTokens: 3, decodeTokensPerSecond: 3000 };

async function* engine(events: EngineEvent[], failAfter?: Error): AsyncGenerator<EngineEvent> {
  for (const event of events) yield event;
  if (failAfter !== undefined) throw failAfter;
}

/**
 * Feeds the engine's events to the mapper the way the service does, then numbers the events the
 * way a transport does as it writes them.
 */
async function collect(events: EngineEvent[], extra: Partial<StreamResponseOptions> & { failAfter?: Error } = {}): Promise<ResponseStreamEvent[]> {
  let counter = 0;
  const { failAfter, ...rest } = extra;
  const stream = new StreamResponse({
    response: createResponseObject(body, 'resp_1', 100),
    now: () => 101,
    newItemId: (prefix) => `${prefix}_${++counter}`,
    ...rest,
  });
  const out: StreamEventBody[] = [];
  stream.start(out);
  try {
    for await (const event of engine(events, failAfter)) if (stream.push(event, out)) break;
  } catch (error) {
    stream.fail(error);
  }
  out.push(stream.end(out));
  return out.map(({ type, ...fields }, index) => ({ type, sequence_number: index, ...fields }) as ResponseStreamEvent);
}

const prompt: EngineEvent = { type: 'prompt', inputTokens: 5, cachedInputTokens: 2 };
const finish = (reason: 'stop' | 'length' | 'tool_calls' | 'aborted'): EngineEvent => ({ type: 'finish', reason, usage, timings });

void describe('streamResponse', () => {
  void it('emits the spec sequence for a text answer, numbered from 0', async () => {
    const events = await collect([prompt, { type: 'text-delta', delta: 'Hel' }, { type: 'text-delta', delta: 'lo!' }, finish('stop')]);
    assert.deepEqual(events.map((e) => e.type), [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
      'response.output_item.done', 'response.completed',
    ]);
    assert.deepEqual(events.map((e) => e.sequence_number), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(events[2], {
      type: 'response.output_item.added', sequence_number: 2, output_index: 0,
      item: { type: 'message', id: 'msg_1', status: 'in_progress', role: 'assistant', content: [] },
    });
    const done = events[9];
    assert.ok(done?.type === 'response.completed');
    assert.equal(done.response.status, 'completed');
    assert.equal(done.response.completed_at, 101);
    assert.deepEqual(done.response.output, [{
      type: 'message', id: 'msg_1', status: 'completed', role: 'assistant',
      content: [{ type: 'output_text', text: 'Hello!', annotations: [], logprobs: [] }],
    }]);
    assert.deepEqual(done.response.usage, {
      input_tokens: 5, input_tokens_details: { cached_tokens: 2, cache_write_tokens: 0 },
      output_tokens: 3, output_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }, total_tokens: 8,
    });
  });

  void it('starts a new message item for text after a tool call', async () => {
    const events = await collect([
      prompt,
      { type: 'text-delta', delta: 'Let me look.' },
      { type: 'tool-call-start', callId: 'call_a', name: 'ls', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_a', delta: '{"p":' },
      { type: 'tool-call-delta', callId: 'call_a', delta: '"."}' },
      { type: 'tool-call-end', callId: 'call_a', arguments: '{"p":"."}' },
      { type: 'text-delta', delta: 'Done.' },
      finish('stop'),
    ]);
    const added = events.filter((e) => e.type === 'response.output_item.added');
    assert.deepEqual(added.map((e) => e.type === 'response.output_item.added' && [e.output_index, e.item.type, e.item.id]), [
      [0, 'message', 'msg_1'], [1, 'function_call', 'fc_2'], [2, 'message', 'msg_3'],
    ]);
    const call = added[1];
    assert.ok(call?.type === 'response.output_item.added');
    assert.deepEqual(call.item, { type: 'function_call', id: 'fc_2', call_id: 'call_a', name: 'ls', arguments: '', status: 'in_progress' });
    const argsDone = events.find((e) => e.type === 'response.function_call_arguments.done');
    assert.deepEqual(argsDone, { type: 'response.function_call_arguments.done', sequence_number: argsDone?.sequence_number, item_id: 'fc_2', output_index: 1, name: 'ls', arguments: '{"p":"."}' });
    const final = events.at(-1);
    assert.ok(final?.type === 'response.completed');
    assert.deepEqual(final.response.output.map((item) => item.type), ['message', 'function_call', 'message']);
    // Every item is announced and finished in order, never interleaved.
    const itemEvents = events.filter((e) => e.type === 'response.output_item.added' || e.type === 'response.output_item.done');
    assert.deepEqual(itemEvents.map((e) => `${e.type.endsWith('added') ? '+' : '-'}${'output_index' in e ? e.output_index : ''}`), ['+0', '-0', '+1', '-1', '+2', '-2']);
  });

  void it('streams a custom tool call as input deltas, and names namespaced tools by their declaration', async () => {
    const events = await collect([
      prompt,
      { type: 'tool-call-start', callId: 'call_p', name: 'apply_patch', kind: 'custom' },
      { type: 'tool-call-delta', callId: 'call_p', delta: '*** Begin' },
      { type: 'tool-call-end', callId: 'call_p', arguments: '*** Begin Patch' },
      finish('tool_calls'),
    ], { toolOrigin: new Map([['apply_patch', { name: 'apply_patch', namespace: 'codex' }]]) });
    assert.deepEqual(events.slice(2).map((e) => e.type), [
      'response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done', 'response.output_item.done', 'response.completed',
    ]);
    const topUp = events[4];
    assert.ok(topUp?.type === 'response.custom_tool_call_input.delta');
    assert.equal(topUp.delta, ' Patch');
    const done = events[6];
    assert.ok(done?.type === 'response.output_item.done');
    assert.deepEqual(done.item, { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch', status: 'completed', namespace: 'codex' });
  });

  void it('ends with response.incomplete (max_output_tokens) on a length finish, closing the open item as incomplete', async () => {
    const events = await collect([prompt, { type: 'text-delta', delta: 'a' }, finish('length')]);
    const itemDone = events.find((e) => e.type === 'response.output_item.done');
    assert.ok(itemDone?.type === 'response.output_item.done');
    assert.equal(itemDone.item.status, 'incomplete');
    const last = events.at(-1);
    assert.ok(last?.type === 'response.incomplete');
    assert.equal(last.response.status, 'incomplete');
    assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
  });

  for (const [kind, status] of [['cancelled', 'cancelled'], ['interrupted', 'incomplete']] as Array<[AbortKind, string]>) {
    void it(`reports an aborted generation (${kind}) as ${status}`, async () => {
      const events = await collect([prompt, { type: 'text-delta', delta: 'a' }, finish('aborted')], { signal: AbortSignal.abort(new ResponseAbort(kind)) });
      const last = events.at(-1);
      assert.ok(last?.type === 'response.incomplete');
      assert.equal(last.response.status, status);
      assert.equal(last.response.output.length, 1);
    });
  }

  void it('turns an engine failure after the start into response.failed', async () => {
    const events = await collect([prompt, { type: 'text-delta', delta: 'a' }], { failAfter: new Error('boom with secret payload') });
    const last = events.at(-1);
    assert.ok(last?.type === 'response.failed');
    assert.equal(last.response.status, 'failed');
    assert.equal(last.response.error?.code, 'server_error');
    assert.doesNotMatch(last.response.error?.message ?? '', /secret/);
    assert.equal(events.filter((e) => e.type.startsWith('response.completed')).length, 0);
  });

  void it('keeps context_length_exceeded as the failure code', async () => {
    const events = await collect([prompt], { failAfter: new EngineError('context_length_exceeded', 'too long') });
    const last = events.at(-1);
    assert.ok(last?.type === 'response.failed');
    assert.deepEqual(last.response.error, { code: 'context_length_exceeded', message: 'too long' });
  });

  void it('fails a stream that ends without a finish event', async () => {
    const events = await collect([prompt, { type: 'text-delta', delta: 'a' }]);
    assert.equal(events.at(-1)?.type, 'response.failed');
  });
});
