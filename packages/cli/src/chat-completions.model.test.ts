// End to end: `POST /v1/chat/completions` on the real engine (SmolLM2 GGUF), driven by the official SDK.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ObservedEngine } from '@spark/engine';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';
import { watchAborts } from './testing/abort-watch.js';

const MODEL = 'smollm2-135m';

describe('Chat Completions on SmolLM2 with the openai SDK', () => {
  const watch = watchAborts();
  let engine: ObservedEngine;
  let server: RunningServer;
  let client: OpenAI;

  before(async () => {
    const local = await resolveModel(MODEL, { pull: true });
    engine = new ObservedEngine(await LlamaEngine.create({ models: [{ id: MODEL, path: local.path }], contextSize: 4096, sequences: 2 }), watch.observer);
    server = await startServer({ engine, port: 0, dbPath: ':memory:' });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'local', maxRetries: 0 });
  });

  after(async () => {
    await server.close();
    await engine.dispose();
  });

  it('answers without streaming, and a resent history comes from the KV cache', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello.' }];
    const first = await client.chat.completions.create({ model: MODEL, messages, max_completion_tokens: 24, temperature: 0 });
    assert.equal(first.object, 'chat.completion');
    const text = first.choices[0]?.message.content ?? '';
    assert.ok(text.length > 0);
    assert.ok(['stop', 'length'].includes(first.choices[0]?.finish_reason ?? ''));
    assert.ok((first.usage?.prompt_tokens ?? 0) > 0);
    assert.ok((first.usage?.completion_tokens ?? 0) > 0);
    // A Chat Completions client resends everything: the prefix pool must still spare the prefill.
    const second = await client.chat.completions.create({
      model: MODEL, messages: [...messages, { role: 'assistant', content: text }, { role: 'user', content: 'Again.' }], max_completion_tokens: 8, temperature: 0,
    });
    assert.ok((second.usage?.prompt_tokens_details?.cached_tokens ?? 0) > 0);
  });

  it('streams, and the chunks add up to the non-streamed answer with its usage last', async () => {
    const params = { model: MODEL, messages: [{ role: 'user' as const, content: 'Name three colors.' }], max_completion_tokens: 32, temperature: 0 };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, whole.choices[0]?.message.content);
    assert.equal(finish, whole.choices[0]?.finish_reason);
    assert.equal(usage?.completion_tokens, whole.usage?.completion_tokens);
  });

  it('forces a tool call whose arguments match the schema, then answers from its result', async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [{
      type: 'function',
      function: {
        name: 'get_weather', description: 'Weather for a city', strict: true,
        parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false },
      },
    }];
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris for 3 days?' }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } }, temperature: 0 });
    assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    const args = JSON.parse(call.function.arguments) as { city?: unknown; days?: unknown };
    assert.equal(typeof args.city, 'string');
    assert.equal(Number.isInteger(args.days), true);

    const stream = await client.chat.completions.create({
      model: MODEL, tools, stream: true, max_completion_tokens: 32, temperature: 0,
      messages: [...messages, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: 'Sunny, 21C every day.' }],
    });
    let answer = '';
    for await (const chunk of stream) answer += chunk.choices[0]?.delta.content ?? '';
    assert.ok(answer.length > 0);
    const resent = watch.requests.at(-1)?.conversation ?? [];
    assert.deepEqual(resent.at(-1), { type: 'tool_result', callId: call.id, output: 'Sunny, 21C every day.' });
  });

  it('constrains decoding to a json_schema, and the answer parses', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false };
    const completion = await client.chat.completions.create({
      model: MODEL, temperature: 0, max_completion_tokens: 64,
      messages: [{ role: 'user', content: 'Give me a person with a name and an age.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
    });
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? '') as { name?: unknown; age?: unknown };
    assert.equal(typeof parsed.name, 'string');
    assert.equal(Number.isInteger(parsed.age), true);
  });

  it('cuts at a stop sequence and stops the engine within a token', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL, temperature: 0, max_completion_tokens: 64, stop: [' '],
      messages: [{ role: 'user', content: 'Write a long sentence about the sea.' }],
    });
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.doesNotMatch(completion.choices[0]?.message.content ?? ' ', / /);
    assert.equal(watch.requests.at(-1)?.signal.aborted, true);
    assert.ok((watch.afterAbort.at(-1) ?? 0) <= 1);
  });
});
