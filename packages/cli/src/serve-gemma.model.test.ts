// The second test model (Gemma 3 270M, a different chat template and sliding-window attention)
// through the real server and the official SDK: templates other than ChatML must work too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';

const MODEL = 'gemma3-270m';

describe('spark serve on Gemma 3 270M with the openai SDK', () => {
  let engine: LlamaEngine;
  let server: RunningServer;
  let client: OpenAI;

  before(async () => {
    const local = await resolveModel(MODEL, { pull: true });
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: local.path }], contextSize: 4096, sequences: 2 });
    server = await startServer({ engine, port: 0, dbPath: ':memory:' });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'local', maxRetries: 0 });
  });

  after(async () => {
    await server.close();
    await engine.dispose();
  });

  it('streams text that the SDK accumulates', async () => {
    const stream = client.responses.stream({ model: MODEL, input: 'What is the capital of France?', max_output_tokens: 24, temperature: 0 });
    let deltas = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') deltas += event.delta;
    const final = await stream.finalResponse();
    assert.ok(deltas.length > 0);
    assert.equal(final.output_text, deltas);
  });

  it('makes a schema-valid forced call and reuses the KV cache for the continuation', async () => {
    const tools: OpenAI.Responses.Tool[] = [{
      type: 'function', name: 'read_file', description: 'Read a file of the repository', strict: true,
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
    }];
    // 'Show me README.md' alone sends the tiny model, on some CPUs and cache layouts, down an
    // endless path string ("path/to/file/of/the/user/name/of/the/user/..."); naming the file keeps
    // it on the file. The bound makes such a loop fail in seconds, with what the model wrote.
    const call = await client.responses.create({ model: MODEL, input: 'Show me the file README.md', tools, tool_choice: 'required', temperature: 0, max_output_tokens: 64 });
    const fc = call.output.find((item) => item.type === 'function_call');
    assert.ok(fc && fc.type === 'function_call');
    assert.equal(call.status, 'completed', `the call ended: ${fc.arguments.slice(0, 200)}`);
    assert.equal(fc.name, 'read_file');
    assert.equal(typeof (JSON.parse(fc.arguments) as { path: unknown }).path, 'string');
    const next = await client.responses.create({
      model: MODEL, previous_response_id: call.id, tools, max_output_tokens: 16, temperature: 0,
      input: [{ type: 'function_call_output', call_id: fc.call_id, output: '# Spark\nA coding assistant.' }],
    });
    const cached = next.usage?.input_tokens_details.cached_tokens ?? 0;
    assert.ok(cached >= (call.usage?.input_tokens ?? Infinity), `cached ${cached} of ${next.usage?.input_tokens}`);
  });
});
