import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, parseCreateResponse } from '@spark/protocol';
import { buildGenerateRequest } from './build-generate-request.js';
import { toContextItem, type ContextItem } from './context-item.js';

const signal = new AbortController().signal;

function build(body: Record<string, unknown>, context: ContextItem[] = []): ReturnType<typeof buildGenerateRequest> {
  return buildGenerateRequest(parseCreateResponse({ model: 'm', input: [], ...body }), context, { defaultTemperature: 0.3, signal });
}

function rejectsWith(fn: () => unknown, status: number, code: string | null, param: string | null): void {
  assert.throws(fn, (error: unknown) => ApiError.is(error) && error.status === status && error.code === code && error.param === param);
}

void describe('buildGenerateRequest', () => {
  void it('applies defaults: auto tool choice, parallel calls, text format, default temperature', () => {
    const { request } = build({});
    assert.deepEqual(request.toolChoice, { type: 'auto' });
    assert.equal(request.parallelToolCalls, true);
    assert.deepEqual(request.outputFormat, { type: 'text' });
    assert.deepEqual(request.sampling, { temperature: 0.3 });
    assert.equal(request.maxOutputTokens, undefined);
    assert.equal('cacheKey' in request, false);
  });

  void it('maps function (strict by default), custom, namespace and hosted tools', () => {
    const { request, toolSet } = build({
      tools: [
        { type: 'function', name: 'a', parameters: { type: 'object' } },
        { type: 'function', name: 'b', strict: false, description: 'B' },
        { type: 'custom', name: 'c', format: { type: 'text' } },
        { type: 'namespace', name: 'ns', description: 'd', tools: [{ type: 'function', name: 'inner' }, { type: 'function', name: 'a' }] },
        { type: 'web_search' },
      ],
    });
    assert.deepEqual(request.tools, [
      { kind: 'function', name: 'a', parameters: { type: 'object' }, strict: true },
      { kind: 'function', name: 'b', description: 'B', strict: false },
      { kind: 'custom', name: 'c' },
      { kind: 'function', name: 'inner', strict: true },
      { kind: 'function', name: 'ns.a', strict: true },
    ]);
    assert.deepEqual(toolSet.origin.get('ns.a'), { name: 'a', namespace: 'ns' });
    assert.deepEqual(toolSet.origin.get('inner'), { name: 'inner', namespace: 'ns' });
    assert.equal(toolSet.flatName('a', 'ns'), 'ns.a');
  });

  void it('maps tool_choice strings, named tools and allowed_tools', () => {
    const tools = [{ type: 'function', name: 'f' }, { type: 'custom', name: 'g' }, { type: 'function', name: 'h' }];
    assert.deepEqual(build({ tools, tool_choice: 'required' }).request.toolChoice, { type: 'required' });
    assert.deepEqual(build({ tools, tool_choice: 'none' }).request.toolChoice, { type: 'none' });
    assert.deepEqual(build({ tools, tool_choice: { type: 'function', name: 'f' } }).request.toolChoice, { type: 'named', name: 'f' });
    assert.deepEqual(build({ tools, tool_choice: { type: 'custom', name: 'g' } }).request.toolChoice, { type: 'named', name: 'g' });
    const allowed = build({ tools, tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'h' }, { type: 'web_search' }] } }).request;
    assert.deepEqual(allowed.toolChoice, { type: 'required' });
    assert.deepEqual(allowed.tools.map((tool) => tool.name), ['h']);
    rejectsWith(() => build({ tools, tool_choice: { type: 'function', name: 'g' } }), 400, 'invalid_value', 'tool_choice');
    rejectsWith(() => build({ tools, tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'zz' }] } }), 400, 'invalid_value', 'tool_choice.tools[0]');
    rejectsWith(() => build({ tools, tool_choice: { type: 'file_search' } }), 400, 'invalid_value', 'tool_choice');
  });

  void it('maps text.format, sampling and limits', () => {
    const { request } = build({
      text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } },
      temperature: 0, top_p: 0.5, seed: 7, max_output_tokens: 9, prompt_cache_key: 'k', parallel_tool_calls: false,
    });
    assert.deepEqual(request.outputFormat, { type: 'json_schema', schema: { type: 'object' }, strict: false });
    assert.deepEqual(request.sampling, { temperature: 0, topP: 0.5, seed: 7 });
    assert.equal(request.maxOutputTokens, 9);
    assert.equal(request.cacheKey, 'k');
    assert.equal(request.parallelToolCalls, false);
    assert.deepEqual(build({ text: { format: { type: 'json_object' } } }).request.outputFormat, { type: 'json_object' });
  });

  void it('renders instructions first, roles, tool calls and outputs, and passes reasoning on (the engine decides)', () => {
    const items = [
      { role: 'system', content: 'sys' },
      { role: 'developer', content: [{ type: 'input_text', text: 'dev' }] },
      { role: 'user', content: [{ type: 'input_text', text: 'a' }, { type: 'input_image', image_url: 'data:' }, { type: 'input_text', text: 'b' }] },
      { type: 'reasoning', summary: [] },
      { role: 'assistant', content: [{ type: 'output_text', text: 'x' }, { type: 'refusal', refusal: 'no' }] },
      { type: 'function_call', call_id: 'c1', name: 'inner', namespace: 'ns', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: [{ type: 'output_text', text: 'r1' }, { type: 'input_text', text: 'r2' }] },
      { type: 'compaction', encrypted_content: 'zzz' },
      { type: 'local_shell_call', call_id: 'ls1', action: {} },
      { type: 'function_call_output', call_id: 'ls1', output: 'dropped with its call' },
    ];
    const context = parseCreateResponse({ model: 'm', input: items }).input as Parameters<typeof toContextItem>[0][];
    const { request } = build({
      instructions: 'be nice',
      tools: [{ type: 'namespace', name: 'ns', description: '', tools: [{ type: 'function', name: 'inner' }] }],
    }, context.map(toContextItem));
    assert.deepEqual(request.conversation, [
      { type: 'system', text: 'be nice' },
      { type: 'system', text: 'sys' },
      { type: 'system', text: 'dev' },
      { type: 'user', text: 'a\nb' },
      { type: 'reasoning', text: '' },
      { type: 'assistant', text: 'x\nno' },
      { type: 'tool_call', callId: 'c1', name: 'inner', arguments: '{}', kind: 'function' },
      { type: 'tool_result', callId: 'c1', output: 'r1\nr2' },
    ]);
  });

  void it('refuses a tool output whose call_id matches no call', () => {
    const [item] = (parseCreateResponse({ model: 'm', input: [{ type: 'custom_tool_call_output', call_id: 'nope', output: 'x' }] }).input ?? []) as Parameters<typeof toContextItem>[0][];
    assert.ok(item);
    rejectsWith(() => build({}, [toContextItem(item)]), 400, null, 'input');
  });

  void it('assigns ids by item kind and spells message content as parts', () => {
    const parsed = parseCreateResponse({
      model: 'm',
      input: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yo' },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c', output: 'o', id: 'fco_mine' },
      ],
    }).input as Parameters<typeof toContextItem>[0][];
    const items = parsed.map(toContextItem);
    assert.match(items[0]?.id ?? '', /^msg_/);
    assert.deepEqual({ ...items[0], id: '' }, { type: 'message', id: '', role: 'user', content: [{ type: 'input_text', text: 'hi' }] });
    assert.deepEqual({ ...items[1], id: '' }, { type: 'message', id: '', role: 'assistant', content: [{ type: 'output_text', text: 'yo', annotations: [] }] });
    assert.match(items[2]?.id ?? '', /^fc_/);
    assert.equal(items[3]?.id, 'fco_mine');
  });

  void it('passes the predicted text on without making it part of the prompt key', () => {
    const predicted = build({ prediction: { type: 'content', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] } });
    assert.equal(predicted.request.prediction, 'ab');
    assert.equal(predicted.promptKey, build({}).promptKey);
    assert.equal('prediction' in build({}).request, false);
  });
});
