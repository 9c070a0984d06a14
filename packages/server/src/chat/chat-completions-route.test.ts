import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { errorOf, parseSseFrames, post } from '../testing/sse-frames.js';
import { startTestServer, steps, TEST_CONTEXT_SIZE, TEST_MODEL, waitFor, type TestServer } from '../testing/test-server.js';

const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** The SDK's error, or a failure when the call did not throw one. */
async function apiErrorOf(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  assert.fail('expected an API error');
}

void describe('POST /v1/chat/completions', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(async () => { await t.server.close(); });

  void it('answers a text request with one chat.completion (SDK, not streamed)', async () => {
    const completion = await t.client.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'text', text: ' there' }] }],
      temperature: 0.5, top_p: 0.9, seed: 7,
    });
    assert.equal(completion.object, 'chat.completion');
    assert.match(completion.id, /^chatcmpl-[0-9a-f]{48}$/);
    assert.equal(completion.model, TEST_MODEL);
    assert.equal(completion.choices[0]?.message.role, 'assistant');
    assert.equal(completion.choices[0]?.message.content, 'You said: hello there');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage?.prompt_tokens_details, { cached_tokens: 0 });
    assert.equal(completion.usage?.completion_tokens, 4);
    assert.equal(completion.usage?.total_tokens, (completion.usage?.prompt_tokens ?? 0) + 4);
    const request = t.engine.requests.at(-1);
    assert.deepEqual(request?.conversation, [{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'hello there' }]);
    assert.deepEqual(request?.sampling, { temperature: 0.5, topP: 0.9, seed: 7 });
    assert.deepEqual(request?.outputFormat, { type: 'text' });
  });

  void it('streams chunks that the SDK reassembles, with the usage chunk of include_usage', async () => {
    const stream = await t.client.chat.completions.create({
      model: TEST_MODEL, messages: [{ role: 'developer', content: 'x' }, { role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'You said: stream me');
    const finish = chunks.at(-2);
    assert.equal(finish?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(finish?.choices[0]?.delta, {});
    const usage = chunks.at(-1);
    assert.deepEqual(usage?.choices, []);
    assert.equal(usage?.usage?.completion_tokens, 4);
    assert.equal(usage?.usage?.prompt_tokens_details?.cached_tokens, 0);
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
    assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1);
  });

  void it('sends no usage chunk without include_usage, and ends the stream with [DONE]', async () => {
    const res = await post(`${t.url}/v1/chat/completions`, { model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const frames = parseSseFrames(res.text);
    assert.equal(frames.at(-1)?.raw, 'data: [DONE]');
    assert.ok(frames.every((frame) => frame.event === undefined));
    const last = JSON.parse(frames.at(-2)?.data ?? '{}') as Record<string, unknown>;
    assert.equal('usage' in last, false);
  });

  void it('makes a forced tool call and takes its result back (stream and not)', async () => {
    const script = steps({ type: 'tool_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const forced = { type: 'function' as const, function: { name: 'get_weather' } };
    const completion = await t.client.chat.completions.create({
      model: TEST_MODEL, messages: [{ role: 'user', content: script }], tools: [WEATHER], tool_choice: forced, parallel_tool_calls: false,
    });
    const request = t.engine.requests.at(-1);
    assert.deepEqual(request?.toolChoice, { type: 'named', name: 'get_weather' });
    assert.equal(request?.parallelToolCalls, false);
    assert.deepEqual(request?.tools, [{ kind: 'function', name: 'get_weather', description: 'Weather in a city', parameters: WEATHER.function.parameters, strict: false }]);
    const message = completion.choices[0]?.message;
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(message?.content, null);
    const call = message?.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

    const stream = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: script }], tools: [WEATHER], tool_choice: forced, stream: true });
    const deltas = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(deltas[0]?.function?.name, 'get_weather');
    assert.match(deltas[0]?.id ?? '', /^call_/);
    assert.ok(deltas.length >= 2, 'arguments arrive as deltas after the call opens');
    assert.ok(deltas.every((delta) => delta.index === 0));
    assert.equal(deltas.map((delta) => delta.function?.arguments ?? '').join(''), '{"city":"Paris"}');

    const answer = await t.client.chat.completions.create({
      model: TEST_MODEL, tools: [WEATHER],
      messages: [{ role: 'user', content: script }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' }],
    });
    assert.equal(answer.choices[0]?.message.content, 'Result: sunny, 21C');
    assert.equal(answer.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation.slice(1), [
      { type: 'tool_call', callId: call.id, name: 'get_weather', arguments: '{"city":"Paris"}', kind: 'function' },
      { type: 'tool_result', callId: call.id, output: 'sunny, 21C' },
    ]);
  });

  void it('asks the engine for json_schema output and returns JSON that parses', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'], additionalProperties: false };
    const completion = await t.client.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: 'user', content: steps({ type: 'text', text: '{"answer": 42}' }) }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
    });
    assert.deepEqual(t.engine.requests.at(-1)?.outputFormat, { type: 'json_schema', schema, strict: true });
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ''), { answer: 42 });
  });

  void it('passes max_completion_tokens (finish length), max_tokens and prediction to the engine', async () => {
    const short = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'slow 6' }], max_completion_tokens: 2 });
    assert.equal(short.choices[0]?.finish_reason, 'length');
    assert.equal(short.choices[0]?.message.content, 't1 t2');
    assert.equal(t.engine.requests.at(-1)?.maxOutputTokens, 2);
    await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 3 });
    assert.equal(t.engine.requests.at(-1)?.maxOutputTokens, 3);
    const predicted = await t.client.chat.completions.create({
      model: TEST_MODEL, messages: [{ role: 'user', content: 'same text' }], prediction: { type: 'content', content: [{ type: 'text', text: 'You said: same text' }] },
    });
    assert.equal(t.engine.requests.at(-1)?.prediction, 'You said: same text');
    assert.equal(predicted.usage?.completion_tokens_details?.accepted_prediction_tokens, 4);
  });

  void it('cuts the text at a stop sequence, even split across deltas, and stops the engine', async () => {
    const long = `one two three ${Array.from({ length: 50 }, (_, index) => `w${index}`).join(' ')}`;
    const completion = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: steps({ type: 'text', text: long }) }], stop: ['o t', 'never'] });
    assert.equal(completion.choices[0]?.message.content, 'one tw');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(t.engine.requests.at(-1)?.signal.aborted, true);
    assert.ok((completion.usage?.completion_tokens ?? 0) < 10, 'the engine stopped within a token of the cut');

    const stream = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: steps({ type: 'text', text: long }) }], stop: 'three', stream: true });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, 'one two ');
    assert.equal(finish, 'stop');
    // Held-back text that turned out not to be a stop sequence still goes out.
    const kept = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: steps({ type: 'text', text: 'a th b' }) }], stop: 'three' });
    assert.equal(kept.choices[0]?.message.content, 'a th b');
  });

  void it('stops the engine when the client aborts a stream', async () => {
    const before = t.engine.requests.length;
    const controller = new AbortController();
    const stream = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'slow 100000' }], stream: true }, { signal: controller.signal });
    let seen = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) seen += 1;
        if (seen === 3) controller.abort();
      }
    } catch {
      // The SDK may raise its own abort error; either way the stream is gone.
    }
    assert.ok(seen >= 3);
    const request = t.engine.requests[before];
    assert.ok(request);
    await waitFor(() => request.signal.aborted && t.engine.stats().activeSequences === 0);
    // The slot came back: the next request is served.
    const next = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'after' }] });
    assert.equal(next.choices[0]?.message.content, 'You said: after');
  });

  void it('answers bad input in the Chat Completions error shape', async () => {
    const url = `${t.url}/v1/chat/completions`;
    const empty = await post(url, { model: TEST_MODEL, messages: [] });
    assert.equal(empty.status, 400);
    assert.equal(errorOf(empty.json()).type, 'invalid_request_error');
    assert.equal(errorOf(empty.json()).param, 'messages');

    const missing = await post(url, { model: TEST_MODEL });
    assert.deepEqual(errorOf(missing.json()), { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter' });

    const noCallId = await post(url, { model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }, { role: 'tool', content: 'y' }] });
    assert.equal(noCallId.status, 400);
    assert.equal(errorOf(noCallId.json()).param, 'messages[1].tool_call_id');

    const orphan = await apiErrorOf(t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_x', content: 'y' }] }));
    assert.equal(orphan.status, 400);
    assert.equal(orphan.param, 'messages[1].tool_call_id');

    const badRole = await post(url, { model: TEST_MODEL, messages: [{ role: 'wizard', content: 'x' }] });
    assert.equal(badRole.status, 400);
    assert.match(errorOf(badRole.json()).param ?? '', /^messages\[0\]/);

    const image = await post(url, { model: TEST_MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }] });
    assert.equal(image.status, 400);
    assert.equal(errorOf(image.json()).param, 'messages[0].content[0].type');

    const unknownTool = await apiErrorOf(t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'nope' } } }));
    assert.equal(unknownTool.status, 400);
    assert.equal(unknownTool.param, 'tool_choice');

    const hot = await apiErrorOf(t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], temperature: 5 }));
    assert.equal(hot.status, 400);
    assert.equal(hot.param, 'temperature');

    const two = await apiErrorOf(t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }], n: 2 }));
    assert.equal(two.status, 400);
    assert.equal(two.param, 'n');

    const model = await apiErrorOf(t.client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }], stream: true }));
    assert.equal(model.status, 404);
    assert.equal(model.code, 'model_not_found');
    assert.equal(model.param, 'model');

    const huge = await apiErrorOf(t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'w '.repeat(TEST_CONTEXT_SIZE) }] }));
    assert.equal(huge.status, 400);
    assert.equal(huge.code, 'context_length_exceeded');
    assert.equal(huge.param, 'messages');

    const json = await post(url, '{"model": ', {});
    assert.equal(json.status, 400);
    assert.equal(errorOf(json.json()).type, 'invalid_request_error');
  });

  void it('reports an engine failure mid-stream as an error frame the SDK raises', async () => {
    const stream = await t.client.chat.completions.create({
      model: TEST_MODEL, stream: true,
      messages: [{ role: 'user', content: steps({ type: 'text', text: 'partial' }, { type: 'error', code: 'internal', message: 'secret detail' }) }],
    });
    let text = '';
    const error = await apiErrorOf((async () => { for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''; })());
    assert.equal(text, 'partial');
    assert.equal(error.type, 'server_error');
    assert.doesNotMatch(error.message, /secret/);
  });

  void it('sits behind the same auth, and is counted by /metrics under its route', async () => {
    const keyed = await startTestServer({ apiKeys: ['k1'] });
    try {
      const denied = await post(`${keyed.url}/v1/chat/completions`, { model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }] });
      assert.equal(denied.status, 401);
      assert.equal(errorOf(denied.json()).code, 'invalid_api_key');
      const ok = await keyed.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }] });
      assert.equal(ok.choices[0]?.message.content, 'You said: x');
      const metrics = await (await fetch(`${keyed.url}/metrics`)).text();
      assert.match(metrics, /spark_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status="200"\} 1/);
      assert.match(metrics, /spark_time_to_first_token_seconds_count [1-9]/);
    } finally {
      await keyed.server.close();
    }
  });
});

void describe('POST /v1/chat/completions during shutdown', () => {
  void it('ends a running stream with a server_shutting_down error frame and frees the engine', async () => {
    const t = await startTestServer();
    const stream = await t.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'slow 100000' }], stream: true });
    let closing: Promise<void> | undefined;
    const error = await apiErrorOf((async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content && !closing) closing = t.server.close();
      }
    })());
    await closing;
    assert.equal(error.code, 'server_shutting_down');
    assert.equal(t.engine.requests[0]?.signal.aborted, true);
    assert.equal(t.engine.stats().activeSequences, 0);
  });
});
