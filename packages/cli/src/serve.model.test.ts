// End to end: the real server on the real engine (SmolLM2 GGUF), driven by the official SDK over
// the Responses API and Chat Completions.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ObservedEngine } from '@spark/engine';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';
import { watchAborts } from './testing/abort-watch.js';

const MODEL = 'smollm2-135m';

describe('spark serve on SmolLM2 with the openai SDK', () => {
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

  it('creates a response without streaming', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'Say hello.', max_output_tokens: 24, temperature: 0 });
    assert.equal(response.object, 'response');
    assert.ok(['completed', 'incomplete'].includes(response.status ?? ''));
    assert.ok(response.output_text.length > 0);
    assert.ok((response.usage?.input_tokens ?? 0) > 0);
    assert.ok((response.usage?.output_tokens ?? 0) > 0);
  });

  it('streams, and the SDK accumulator agrees with the deltas', async () => {
    const stream = client.responses.stream({ model: MODEL, input: 'Name three colors.', max_output_tokens: 32, temperature: 0 });
    let deltas = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    const final = await stream.finalResponse();
    assert.equal(types[0], 'response.created');
    assert.ok(['response.completed', 'response.incomplete'].includes(types.at(-1) ?? ''));
    assert.equal(final.output_text, deltas);
    assert.ok(deltas.length > 0);
  });

  it('retrieves, lists input items of, chains from and deletes a stored response', async () => {
    const first = await client.responses.create({ model: MODEL, input: 'My name is Ada.', instructions: 'Be brief.', max_output_tokens: 16, temperature: 0 });
    const fetched = await client.responses.retrieve(first.id);
    assert.equal(fetched.id, first.id);
    assert.equal(fetched.output_text, first.output_text);
    const items = await client.responses.inputItems.list(first.id);
    assert.ok(items.data.length >= 1);
    const second = await client.responses.create({ model: MODEL, previous_response_id: first.id, input: 'What is my name?', max_output_tokens: 16, temperature: 0 });
    assert.equal(second.previous_response_id, first.id);
    assert.equal(second.instructions, null);
    // The second turn resent the first one's context: it must come mostly from the warm KV cache.
    assert.ok((second.usage?.input_tokens_details.cached_tokens ?? 0) > 0);
    await client.responses.delete(first.id);
    await assert.rejects(client.responses.retrieve(first.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  it('forces a function call whose arguments match the schema, then takes its output', async () => {
    const tools: OpenAI.Responses.Tool[] = [{
      type: 'function', name: 'get_weather', description: 'Weather for a city', strict: true,
      parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false },
    }];
    const call = await client.responses.create({
      model: MODEL, input: 'What is the weather in Paris for 3 days?', tools, tool_choice: { type: 'function', name: 'get_weather' }, temperature: 0,
    });
    const fc = call.output.find((item) => item.type === 'function_call');
    assert.ok(fc && fc.type === 'function_call');
    assert.equal(fc.name, 'get_weather');
    const args = JSON.parse(fc.arguments) as Record<string, unknown>;
    assert.equal(typeof args['city'], 'string');
    assert.ok(Number.isInteger(args['days']));
    const answer = await client.responses.create({
      model: MODEL, previous_response_id: call.id, tools, max_output_tokens: 24, temperature: 0,
      input: [{ type: 'function_call_output', call_id: fc.call_id, output: '{"forecast":"sunny"}' }],
    });
    assert.ok(answer.output.length > 0);
    assert.equal(answer.output.some((item) => item.type === 'function_call'), false);
  });

  it('streams a forced call through the SDK stream helper', async () => {
    const stream = client.responses.stream({
      model: MODEL, input: 'Look up the file list.', temperature: 0, tool_choice: 'required',
      tools: [{ type: 'function', name: 'list_files', strict: true, parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false } }],
    });
    const final = await stream.finalResponse();
    const fc = final.output.find((item) => item.type === 'function_call');
    assert.ok(fc && fc.type === 'function_call');
    assert.equal(typeof (JSON.parse(fc.arguments) as { path: unknown }).path, 'string');
  });

  it('constrains output to a json_schema', async () => {
    const response = await client.responses.create({
      model: MODEL, input: 'Give me a person with a name and an age.', temperature: 0, max_output_tokens: 64,
      text: { format: { type: 'json_schema', name: 'person', strict: true, schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false } } },
    });
    const parsed = JSON.parse(response.output_text) as { name: unknown; age: unknown };
    assert.equal(typeof parsed.name, 'string');
    assert.ok(Number.isInteger(parsed.age));
  });

  it('ends with incomplete at max_output_tokens', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'Write a long story about the sea.', max_output_tokens: 5, temperature: 0 });
    assert.equal(response.status, 'incomplete');
    assert.equal(response.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(response.usage?.output_tokens, 5);
  });

  it('cancels an in-flight streamed response from another request', async () => {
    const stream = await client.responses.create({ model: MODEL, input: 'Count from 1 to 1000, one number per line.', stream: true, temperature: 0 });
    let id = '';
    let last = '';
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta' && id) {
        const cancelled = await client.responses.cancel(id);
        assert.equal(cancelled.status, 'cancelled');
      }
      last = event.type;
    }
    assert.notEqual(last, 'response.completed');
  });

  it('stops generating within one token when the client disconnects mid-stream', async () => {
    const before = watch.afterAbort.length;
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/responses`, {
      method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: 'Count from 1 to 1000, one number per line.', stream: true, temperature: 0 }),
    });
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('response.output_text.delta')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      received += Buffer.from(chunk.value).toString();
    }
    controller.abort();
    await waitFor(() => watch.afterAbort.length > before && engine.stats().activeSequences === 0);
    assert.ok((watch.afterAbort.at(-1) ?? 99) <= 1, `tokens after abort: ${watch.afterAbort.at(-1)}`);
    // The server keeps serving.
    const next = await client.responses.create({ model: MODEL, input: 'Hi', max_output_tokens: 4, temperature: 0 });
    assert.ok(next.id);
  });

  it('answers bad input with the spec error shape and keeps serving', async () => {
    const post = (body: string): Promise<Response> => fetch(`${server.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const cases: Array<[string, number, string | null, string | null]> = [
      ['{not json', 400, null, null],
      [JSON.stringify({ model: MODEL, input: 'x', temperature: 'hot' }), 400, 'invalid_type', 'temperature'],
      [JSON.stringify({ model: 'no-such-model', input: 'x' }), 404, 'model_not_found', 'model'],
      [JSON.stringify({ model: MODEL, input: 'x', previous_response_id: 'resp_missing' }), 400, 'previous_response_not_found', 'previous_response_id'],
      [JSON.stringify({ model: MODEL, input: [{ type: 'bogus_item' }] }), 400, 'invalid_value', 'input[0].type'],
      [JSON.stringify({ model: MODEL, input: 'word '.repeat(6000) }), 400, 'context_length_exceeded', 'input'],
      [JSON.stringify({ model: MODEL, input: 'x'.repeat(40 * 1024 * 1024) }), 413, null, null],
    ];
    for (const [body, status, code, param] of cases) {
      const response = await post(body);
      assert.equal(response.status, status, body.slice(0, 60));
      const error = ((await response.json()) as { error: { type: string; code: string | null; param: string | null; message: string } }).error;
      assert.equal(typeof error.message, 'string');
      if (code !== null) assert.equal(error.code, code);
      if (param !== null) assert.equal(error.param, param);
    }
    const ok = await client.responses.create({ model: MODEL, input: 'Hi', max_output_tokens: 4, temperature: 0, foo_unknown_field: 1 } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    assert.ok(ok.id);
  });
  it('refuses huge inputs while another client keeps streaming', async (t) => {
    // A bystander decodes; meanwhile one client sends 8 MB (under the body limit: refused by the
    // tokenizer bound) and one 30 MB (over it: 413). Both are refused and the bystander's stream
    // goes on: it still receives events after both refusals and completes. The bodies are built
    // first and written from buffers, so this process's own client work stays out of the gaps.
    const bodies = [8, 30].map((megabytes) => ({ megabytes, body: Buffer.from(JSON.stringify({ model: MODEL, input: 'x '.repeat((megabytes * 1024 * 1024) / 2) })) }));
    const arrivals: number[] = [];
    let decoding: () => void = () => undefined;
    const started = new Promise<void>((resolve) => { decoding = resolve; });
    const bystander = (async () => {
      // Sampled, not greedy: greedy decoding speculates, and a verified draft arrives as a burst after a pause of its own.
      const stream = client.responses.stream({ model: MODEL, input: 'Write a long story about a lighthouse keeper.', max_output_tokens: 160, temperature: 0.7 });
      for await (const event of stream) {
        // Gaps count from the first token on: before it the bystander waits for its own prefill.
        if (event.type === 'response.output_text.delta') decoding();
        if (arrivals.length > 0 || event.type === 'response.output_text.delta') arrivals.push(performance.now());
      }
      return stream.finalResponse();
    })();
    await started;
    const refusals: Array<{ bytes: number; status: number; code: string | null; at: number }> = [];
    for (const { megabytes, body } of bodies) {
      const answer = await postRaw(`${server.url}/v1/responses`, body);
      const code = (JSON.parse(answer.body) as { error: { code: string | null } }).error.code;
      refusals.push({ bytes: megabytes, status: answer.status, code, at: performance.now() });
    }
    assert.deepEqual(refusals.map(({ status, code }) => [status, status === 400 ? code : null]), [[400, 'context_length_exceeded'], [413, null]]);
    const final = await bystander;
    assert.ok(['completed', 'incomplete'].includes(final.status ?? ''));
    const lastRefusal = refusals.at(-1)?.at ?? 0;
    assert.ok(arrivals.some((at) => at > lastRefusal), 'the bystander still streamed after both refusals');
    let worst = 0;
    for (let index = 1; index < arrivals.length; index += 1) worst = Math.max(worst, (arrivals[index] ?? 0) - (arrivals[index - 1] ?? 0));
    t.diagnostic(`bystander: ${arrivals.length} events, worst gap ${worst.toFixed(0)} ms; refusals: ${refusals.map((r) => `${r.bytes} MB -> ${r.status}`).join(', ')}`);
  });

  // The second door onto the same engine (one model load for both APIs).
  describe('Chat Completions (/v1/chat/completions)', () => {
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
});

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** POSTs a prebuilt JSON body over a plain socket and reads the whole answer. */
function postRaw(url: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.once('error', reject);
    req.end(body);
  });
}
