import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { parseSseFrames, post, sseEvents } from '../testing/sse-frames.js';
import { startTestServer, steps, TEST_MODEL, waitFor, type TestServer } from '../testing/test-server.js';

void describe('POST /v1/responses', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('streams a text answer with exactly the spec wire bytes', async () => {
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: TEST_MODEL, input: steps({ type: 'text', text: 'Hello there!' }), stream: true, store: false }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    const text = await res.text();
    assert.ok(text.endsWith('\n\n'));
    assert.doesNotMatch(text, /\[DONE\]/);
    const frames = parseSseFrames(text);
    const created = JSON.parse(frames[0]?.data ?? '{}') as { response: { id: string; created_at: number } };
    const id = created.response.id;
    const at = created.response.created_at;
    const msg = (JSON.parse(frames[2]?.data ?? '{}') as { item: { id: string } }).item.id;
    const completedAt = (JSON.parse(frames.at(-1)?.data ?? '{}') as { response: { completed_at: number } }).response.completed_at;
    assert.match(id, /^resp_[0-9a-f]{48}$/);
    assert.match(msg, /^msg_[0-9a-f]{48}$/);
    const R = (status: string, completed: string, output: string, usage: string): string =>
      `{"id":"${id}","object":"response","created_at":${at},"completed_at":${completed},"status":"${status}","model":"scripted","previous_response_id":null,"store":false,"instructions":null,"metadata":{},"error":null,"incomplete_details":null,"temperature":null,"top_p":null,"max_output_tokens":null,"truncation":"disabled","parallel_tool_calls":true,"tool_choice":"auto","tools":[],"reasoning":{"effort":null,"summary":null},"text":{"format":{"type":"text"}},"prompt_cache_key":null,"service_tier":null,"output":${output},"usage":${usage}}`;
    const part = (text: string): string => `{"type":"output_text","text":"${text}","annotations":[],"logprobs":[]}`;
    const item = `{"type":"message","id":"${msg}","status":"completed","role":"assistant","content":[${part('Hello there!')}]}`;
    const usage = '{"input_tokens":2,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":2,"output_tokens_details":{"reasoning_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},"total_tokens":4}';
    const expected = [
      ['response.created', `{"type":"response.created","sequence_number":0,"response":${R('in_progress', 'null', '[]', 'null')}}`],
      ['response.in_progress', `{"type":"response.in_progress","sequence_number":1,"response":${R('in_progress', 'null', '[]', 'null')}}`],
      ['response.output_item.added', `{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"message","id":"${msg}","status":"in_progress","role":"assistant","content":[]}}`],
      ['response.content_part.added', `{"type":"response.content_part.added","sequence_number":3,"item_id":"${msg}","output_index":0,"content_index":0,"part":${part('')}}`],
      ['response.output_text.delta', `{"type":"response.output_text.delta","sequence_number":4,"item_id":"${msg}","output_index":0,"content_index":0,"delta":"Hello","logprobs":[]}`],
      ['response.output_text.delta', `{"type":"response.output_text.delta","sequence_number":5,"item_id":"${msg}","output_index":0,"content_index":0,"delta":" there!","logprobs":[]}`],
      ['response.output_text.done', `{"type":"response.output_text.done","sequence_number":6,"item_id":"${msg}","output_index":0,"content_index":0,"text":"Hello there!","logprobs":[]}`],
      ['response.content_part.done', `{"type":"response.content_part.done","sequence_number":7,"item_id":"${msg}","output_index":0,"content_index":0,"part":${part('Hello there!')}}`],
      ['response.output_item.done', `{"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":${item}}`],
      ['response.completed', `{"type":"response.completed","sequence_number":9,"response":${R('completed', String(completedAt), `[${item}]`, usage)}}`],
    ];
    assert.equal(frames.length, expected.length);
    expected.forEach(([event, data], index) => assert.equal(frames[index]?.raw, `event: ${event}\ndata: ${data}`, `frame ${index}`));
  });

  void it('creates a non-streaming response through the SDK', async () => {
    const response = await t.client.responses.create({ model: TEST_MODEL, input: 'ping', metadata: { k: 'v' }, temperature: 0.5 });
    assert.equal(response.object, 'response');
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'You said: ping');
    assert.deepEqual(response.metadata, { k: 'v' });
    assert.equal(response.temperature, 0.5);
    assert.equal(response.usage?.total_tokens, (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0));
    assert.equal(response.usage?.input_tokens_details.cached_tokens, 0);
    assert.equal(response.usage?.output_tokens_details.reasoning_tokens, 0);
    assert.match(response._request_id ?? '', /^req_/);
    assert.equal(t.engine.requests.at(-1)?.sampling.temperature, 0.5);
  });

  void it('streams through the SDK: events iterate in order and finish with response.completed', async () => {
    const stream = await t.client.responses.create({ model: TEST_MODEL, input: 'streamed words', stream: true });
    const types: string[] = [];
    let deltas = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(deltas, 'You said: streamed words');
  });

  void it('resolves responses.stream().finalResponse() for a text answer', async () => {
    const stream = t.client.responses.stream({ model: TEST_MODEL, input: 'final text' });
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'You said: final text');
    assert.equal(final.status, 'completed');
  });

  void it('resolves responses.stream().finalResponse() for a function call, and the output round-trips', async () => {
    const tools: OpenAI.Responses.Tool[] = [{
      type: 'function', name: 'get_weather', strict: true, description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    }];
    const input = steps({ type: 'text', text: 'Checking.' }, { type: 'tool_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const stream = t.client.responses.stream({ model: TEST_MODEL, input, tools });
    const argDeltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (event) => argDeltas.push(event.delta));
    const final = await stream.finalResponse();
    assert.deepEqual(final.output.map((item) => item.type), ['message', 'function_call']);
    const call = final.output[1];
    assert.ok(call?.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.equal(call.arguments, '{"city":"Paris"}');
    assert.equal(argDeltas.join(''), '{"city":"Paris"}');
    assert.match(call.id ?? '', /^fc_/);
    const sent = t.engine.requests.at(-1);
    assert.deepEqual(sent?.tools, [{ kind: 'function', name: 'get_weather', description: 'Weather', parameters: tools[0]?.type === 'function' ? tools[0].parameters : {}, strict: true }]);

    // Stateless round trip: the whole history plus the tool output.
    const answer = await t.client.responses.create({
      model: TEST_MODEL, tools,
      input: [
        { role: 'user', content: input },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
      ],
    });
    assert.equal(answer.output_text, 'Result: sunny');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation.slice(-2), [
      { type: 'tool_call', callId: call.call_id, name: 'get_weather', arguments: '{"city":"Paris"}', kind: 'function' },
      { type: 'tool_result', callId: call.call_id, output: 'sunny' },
    ]);
  });

  void it('resolves finalResponse() for a custom tool call', async () => {
    const final = await t.client.responses.stream({
      model: TEST_MODEL,
      input: steps({ type: 'tool_call', name: 'apply_patch', arguments: '*** Begin Patch\n*** End Patch', kind: 'custom' }),
      tools: [{ type: 'custom', name: 'apply_patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } }],
    }).finalResponse();
    const call = final.output[0];
    assert.ok(call?.type === 'custom_tool_call');
    assert.equal(call.input, '*** Begin Patch\n*** End Patch');
    assert.deepEqual(t.engine.requests.at(-1)?.tools, [{ kind: 'custom', name: 'apply_patch', grammar: { syntax: 'lark', definition: 'start: "x"' } }]);
  });

  void it('chains with previous_response_id: earlier turns are resent, earlier instructions are not', async () => {
    const first = await t.client.responses.create({ model: TEST_MODEL, input: 'my name is Ada', instructions: 'Be brief.' });
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, [
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'my name is Ada' },
    ]);
    const second = await t.client.responses.create({ model: TEST_MODEL, previous_response_id: first.id, input: 'what is my name?', instructions: 'Be kind.' });
    assert.equal(second.previous_response_id, first.id);
    assert.equal(second.instructions, 'Be kind.');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, [
      { type: 'system', text: 'Be kind.' },
      { type: 'user', text: 'my name is Ada' },
      { type: 'assistant', text: 'You said: my name is Ada' },
      { type: 'user', text: 'what is my name?' },
    ]);
    const third = await t.client.responses.create({ model: TEST_MODEL, previous_response_id: second.id, input: 'again' });
    assert.equal(third.instructions, null);
    assert.equal(t.engine.requests.at(-1)?.conversation.length, 5);
    assert.equal(t.engine.requests.at(-1)?.conversation[0]?.type, 'user');
  });

  void it('takes a function_call_output for a call of the previous response (stateful)', async () => {
    const call = await t.client.responses.create({
      model: TEST_MODEL,
      input: steps({ type: 'tool_call', name: 'ls', arguments: '{}' }),
      tools: [{ type: 'function', name: 'ls', strict: false, parameters: { type: 'object', properties: {} } }],
      tool_choice: { type: 'function', name: 'ls' },
      parallel_tool_calls: false,
    });
    assert.deepEqual(t.engine.requests.at(-1)?.toolChoice, { type: 'named', name: 'ls' });
    assert.equal(t.engine.requests.at(-1)?.parallelToolCalls, false);
    const fc = call.output[0];
    assert.ok(fc?.type === 'function_call');
    const answer = await t.client.responses.create({
      model: TEST_MODEL, previous_response_id: call.id,
      input: [{ type: 'function_call_output', call_id: fc.call_id, output: [{ type: 'input_text', text: 'a.txt' }, { type: 'input_text', text: 'b.txt' }] }],
    });
    assert.equal(answer.output_text, 'Result: a.txt\nb.txt');
  });

  void it('maps sampling, format and cache options onto the engine request', async () => {
    await t.client.responses.create({
      model: TEST_MODEL, input: 'x', top_p: 0.9, max_output_tokens: 50, prompt_cache_key: 'thread-1',
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
    });
    const sent = t.engine.requests.at(-1);
    assert.deepEqual(sent?.sampling, { temperature: 0, topP: 0.9 });
    assert.equal(sent?.maxOutputTokens, 50);
    assert.equal(sent?.cacheKey, 'thread-1');
    assert.deepEqual(sent?.outputFormat, { type: 'json_schema', schema: { type: 'object' }, strict: true });
  });

  void it('ends with incomplete (max_output_tokens) when the cap is hit, streamed and not', async () => {
    const response = await t.client.responses.create({ model: TEST_MODEL, input: 'one two three four five', max_output_tokens: 2 });
    assert.equal(response.status, 'incomplete');
    assert.equal(response.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(response.usage?.output_tokens, 2);
    const item = response.output[0];
    assert.ok(item?.type === 'message');
    assert.equal(item.status, 'incomplete');
    const raw = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'one two three', max_output_tokens: 1, stream: true });
    const events = sseEvents(raw.text);
    assert.equal(events.at(-1)?.['type'], 'response.incomplete');
    assert.equal(events.filter((e) => ['response.completed', 'response.incomplete', 'response.failed'].includes(String(e['type']))).length, 1);
  });

  void it('cancels an in-flight streamed response from another client', async () => {
    const stream = await t.client.responses.create({ model: TEST_MODEL, input: 'slow 2000', stream: true });
    let id = '';
    let cancelled: OpenAI.Responses.Response | undefined;
    let last: OpenAI.Responses.ResponseStreamEvent | undefined;
    const other = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'other', maxRetries: 0 });
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta' && !cancelled) cancelled = await other.responses.cancel(id);
      last = event;
    }
    assert.equal(cancelled?.status, 'cancelled');
    assert.equal(cancelled?.id, id);
    assert.ok(last?.type === 'response.incomplete');
    assert.equal(last.response.status, 'cancelled');
    const stored = await t.client.responses.retrieve(id);
    assert.equal(stored.status, 'cancelled');
    assert.ok(stored.output_text.split(' ').length < 2000);
    await waitFor(() => t.engine.stats().activeSequences === 0);
    // Cancelling a finished response returns it as is.
    assert.equal((await other.responses.cancel(id)).status, 'cancelled');
  });

  void it('ignores unknown top-level fields and client telemetry headers', async () => {
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x', client_metadata: { a: 1 }, prompt_cache_options: {}, generate: true, include: ['unknown.value'] }, {
      'OpenAI-Organization': 'org', 'OpenAI-Project': 'p', 'X-Stainless-Lang': 'js', originator: 'codex_cli_rs', 'session-id': 's',
    });
    assert.equal(res.status, 200);
  });

  void it('accepts application/json with a UTF-8 charset', async () => {
    const res = await post(`${t.url}/v1/responses`, { model: TEST_MODEL, input: 'x' }, { 'content-type': 'Application/JSON; charset=UTF-8' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  });

  void it('accepts every input item kind a client replays', async () => {
    // Client-set ids on user messages are not in the SDK's input type, but clients (Codex) send them.
    const input = [
        { role: 'developer', content: 'dev rules' },
        { role: 'system', content: [{ type: 'input_text', text: 'sys' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'part one' }, { type: 'input_text', text: 'part two' }], id: 'msg_client' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }] },
        { type: 'message', role: 'assistant', id: 'msg_prev', status: 'completed', content: [{ type: 'output_text', text: 'ok', annotations: [] }] },
        { type: 'custom_tool_call', call_id: 'call_c', name: 'apply_patch', input: 'patch' },
        { type: 'custom_tool_call_output', call_id: 'call_c', output: 'applied' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } },
        { role: 'user', content: 'last' },
    ] as OpenAI.Responses.ResponseInput;
    const response = await t.client.responses.create({
      model: TEST_MODEL,
      input,
      tools: [{ type: 'web_search' }, { type: 'custom', name: 'apply_patch' }],
    });
    assert.equal(response.status, 'completed');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation, [
      { type: 'system', text: 'dev rules' },
      { type: 'system', text: 'sys' },
      { type: 'user', text: 'part one\npart two' },
      { type: 'reasoning', text: 'thinking' },
      { type: 'assistant', text: 'ok' },
      { type: 'tool_call', callId: 'call_c', name: 'apply_patch', arguments: 'patch', kind: 'custom' },
      { type: 'tool_result', callId: 'call_c', output: 'applied' },
      { type: 'user', text: 'last' },
    ]);
    assert.deepEqual(t.engine.requests.at(-1)?.tools.map((tool) => tool.name), ['apply_patch']);
  });
});
