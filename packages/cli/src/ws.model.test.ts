// End to end over a real WebSocket: the server on the real engine (SmolLM2 GGUF), raw frames
// and the official SDK's WebSocket client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { ObservedEngine } from '@spark/engine';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';
import { responseOf, WsTestClient, type Frame } from '@spark/server/testing';
import { watchAborts } from './testing/abort-watch.js';

const MODEL = 'smollm2-135m';
const LONG = 'Write a long, detailed story about a programmer who builds a compiler. Use many paragraphs.';
const TOOLS = [{
  type: 'function', name: 'read_file', description: 'Read a file of the repository', strict: true,
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
}];
// Long enough that a fork's KV copy pays for itself (more than the engine's copy threshold).
const INSTRUCTIONS = `You are a coding agent. ${'Keep edits small, read before you write, and explain briefly. '.repeat(30)}`;

const usage = (frame: Frame | undefined): { input_tokens: number; input_tokens_details: { cached_tokens: number }; output_tokens: number } =>
  (frame?.['response'] as { usage: ReturnType<typeof usage> }).usage;

describe('WebSocket mode on SmolLM2', () => {
  const watch = watchAborts();
  let engine: ObservedEngine;
  let server: RunningServer;

  before(async () => {
    const local = await resolveModel(MODEL, { pull: true });
    engine = new ObservedEngine(await LlamaEngine.create({ models: [{ id: MODEL, path: local.path }], contextSize: 4096, sequences: 3 }), watch.observer);
    server = await startServer({ engine, port: 0, dbPath: ':memory:', websocket: { limits: { maxPayloadBytes: 1024 * 1024 } } });
  });

  after(async () => {
    await server.close();
    await engine.dispose();
  });

  it('warms up, then runs 3 tool-calling turns that send only their new items', async () => {
    const client = await WsTestClient.connect(server.url);
    try {
      const base = { model: MODEL, store: false, instructions: INSTRUCTIONS, tools: TOOLS, tool_choice: 'required', parallel_tool_calls: false, temperature: 0 };
      const warm = await client.create({ ...base, generate: false, input: [{ role: 'user', content: 'Open the README, then the config.' }] });
      const warmDone = warm.at(-1);
      assert.equal(warmDone?.['type'], 'response.completed');
      assert.deepEqual(responseOf(warmDone).output, []);
      let previous = responseOf(warmDone).id;
      let previousTotal = usage(warmDone).input_tokens;
      let input: unknown[] = [];
      for (let turn = 0; turn < 3; turn++) {
        const before = watch.requests.length;
        const frames = await client.create({ ...base, previous_response_id: previous, input });
        const done = frames.at(-1);
        assert.equal(done?.['type'], 'response.completed', JSON.stringify(done));
        const request = watch.requests[before];
        assert.ok(request?.continueFrom, 'the engine continued the previous state');
        assert.equal(request.conversation.length, input.length, 'only the new items reached the engine');
        // Everything the previous turn left in the KV cache is reused: only the new items are prefilled.
        assert.ok(usage(done).input_tokens_details.cached_tokens >= previousTotal, `turn ${turn}: cached ${usage(done).input_tokens_details.cached_tokens} < ${previousTotal}`);
        const call = responseOf(done).output.find((item) => item['type'] === 'function_call');
        assert.ok(call, 'a forced call');
        assert.equal(typeof (JSON.parse(String(call['arguments'])) as { path: unknown }).path, 'string');
        previous = responseOf(done).id;
        previousTotal = usage(done).input_tokens + usage(done).output_tokens - 1;
        input = [{ type: 'function_call_output', call_id: call['call_id'], output: `contents of file ${turn}: export const port = 8000;` }];
      }
    } finally {
      client.close();
    }
  });

  it('answers an unknown previous_response_id with previous_response_not_found and keeps the socket', async () => {
    const client = await WsTestClient.connect(server.url);
    try {
      const frames = await client.create({ model: MODEL, previous_response_id: 'resp_gone', input: 'x' });
      const error = frames.at(-1) as { type: string; status: number; error: { code: string; param: string } };
      assert.equal(error.type, 'error');
      assert.equal(error.status, 400);
      assert.equal(error.error.code, 'previous_response_not_found');
      assert.equal(error.error.param, 'previous_response_id');
      const ok = await client.create({ model: MODEL, input: 'Hi', max_output_tokens: 4, temperature: 0 });
      assert.equal(ok.at(-1)?.['type'], 'response.incomplete');
    } finally {
      client.close();
    }
  });

  it('runs two lanes at once and forks a lane with a KV copy', async () => {
    const client = await WsTestClient.connect(server.url);
    try {
      const root = await client.create({ model: MODEL, stream_id: 'main', instructions: INSTRUCTIONS, input: 'Say hello.', max_output_tokens: 8, temperature: 0, store: false });
      const rootDone = root.at(-1);
      const rootId = responseOf(rootDone).id;
      const rootTokens = usage(rootDone).input_tokens;
      // Lane main continues with a long answer while lane alt forks from the same response.
      client.send({ type: 'response.create', model: MODEL, stream_id: 'main', instructions: INSTRUCTIONS, previous_response_id: rootId, input: [{ role: 'user', content: LONG }], max_output_tokens: 64, temperature: 0, store: false });
      await client.waitFor((frame) => frame['stream_id'] === 'main' && frame['type'] === 'response.output_text.delta');
      client.send({ type: 'response.create', model: MODEL, stream_id: 'alt', instructions: INSTRUCTIONS, previous_response_id: rootId, input: [{ role: 'user', content: 'Now say goodbye.' }], max_output_tokens: 32, temperature: 0, store: false });
      const [main, alt] = await Promise.all([client.turn('main'), client.turn('alt')]);
      for (const frame of [...main, ...alt]) assert.ok(frame['stream_id'] === 'main' || frame['stream_id'] === 'alt');
      const altDone = alt.at(-1);
      assert.ok(usage(altDone).input_tokens_details.cached_tokens >= rootTokens, `fork cached ${usage(altDone).input_tokens_details.cached_tokens} of ${rootTokens}`);
      // The lanes overlapped: the fork produced output while main was still generating.
      const firstAltDelta = client.frames.findIndex((f) => f['stream_id'] === 'alt' && f['type'] === 'response.output_text.delta');
      const mainEnd = client.frames.findIndex((f) => f['stream_id'] === 'main' && f['type'] !== 'response.output_text.delta' && responseOf(f).id === responseOf(main.at(-1)).id && String(f['type']).startsWith('response.incomplete'));
      assert.ok(firstAltDelta >= 0 && (mainEnd < 0 || firstAltDelta < mainEnd), 'alt streamed while main was generating');
    } finally {
      client.close();
    }
  });

  it('steers mid-stream into a successor that carries the steering input', async () => {
    const client = await WsTestClient.connect(server.url);
    try {
      client.send({ type: 'response.create', model: MODEL, input: LONG, max_output_tokens: 200, temperature: 0, store: true });
      const created = await client.waitFor((f) => f['type'] === 'response.created');
      const id = responseOf(created).id;
      await client.waitFor((f) => f['type'] === 'response.output_text.delta');
      const before = watch.requests.length;
      client.send({ type: 'response.steer', previous_response_id: id, input: 'Stop. Just say OK.' });
      const accepted = await client.waitFor((f) => f['type'] === 'response.steer.accepted');
      assert.equal((accepted['steer'] as { previous_response_id: string }).previous_response_id, id);
      const steered = await client.waitFor((f) => f['type'] === 'response.incomplete' && responseOf(f).id === id);
      assert.equal(responseOf(steered).incomplete_details?.reason, 'steered');
      const successor = await client.waitFor((f) => f['type'] === 'response.created' && responseOf(f).previous_response_id === id);
      const successorId = responseOf(successor).id;
      const done = await client.waitFor((f) => (f['type'] === 'response.completed' || f['type'] === 'response.incomplete') && responseOf(f).id === successorId, 0, 60_000);
      const request = watch.requests[before];
      assert.ok(request?.continueFrom, 'the successor continued the steered state');
      assert.deepEqual(request.conversation, [{ type: 'user', text: 'Stop. Just say OK.' }]);
      // The steered partial output stayed in the KV cache: only the steering message was prefilled.
      assert.ok(usage(done).input_tokens_details.cached_tokens >= usage(steered).input_tokens);
      const items = (await (await fetch(`${server.url}/v1/responses/${successorId}/input_items?order=asc&limit=100`)).json()) as { data: Array<{ type: string; role?: string; content?: unknown }> };
      assert.ok(JSON.stringify(items.data).includes('Stop. Just say OK.'));
    } finally {
      client.close();
    }
  });

  it('cancels with response.cancel without closing the socket', async () => {
    const client = await WsTestClient.connect(server.url);
    try {
      client.send({ type: 'response.create', model: MODEL, input: LONG, temperature: 0, store: false });
      const created = await client.waitFor((f) => f['type'] === 'response.created');
      await client.waitFor((f) => f['type'] === 'response.output_text.delta');
      client.send({ type: 'response.cancel', response_id: responseOf(created).id });
      const end = await client.waitFor((f) => f['type'] === 'response.incomplete' || f['type'] === 'response.completed');
      assert.equal(responseOf(end).status, 'cancelled');
      const ok = await client.create({ model: MODEL, input: 'Hi', max_output_tokens: 2, temperature: 0 });
      assert.equal(ok.at(-1)?.['type'], 'response.incomplete');
    } finally {
      client.close();
    }
  });

  it('stops within one token and frees the sequence when the socket closes mid-stream', async () => {
    const client = await WsTestClient.connect(server.url);
    const before = watch.afterAbort.length;
    client.send({ type: 'response.create', model: MODEL, input: LONG, temperature: 0, store: false });
    await client.waitFor((f) => f['type'] === 'response.output_text.delta');
    client.ws.terminate();
    await waitFor(() => watch.afterAbort.length > before && engine.stats().activeSequences === 0);
    assert.ok((watch.afterAbort.at(-1) ?? 99) <= 1, `tokens after close: ${watch.afterAbort.at(-1)}`);
  });

  it('answers malformed, unknown and out-of-order frames, and closes on oversized ones', async () => {
    const client = await WsTestClient.connect(server.url);
    const other = await WsTestClient.connect(server.url);
    try {
      client.send('{not json');
      client.send({ type: 'response.teleport' });
      client.send({ type: 'response.create', model: MODEL, input: 'x', stream_id: 'bad id!' });
      await client.waitFor((f) => f['type'] === 'error' && (f['error'] as { code: string }).code === 'invalid_stream_id');
      assert.equal(client.frames.filter((f) => f['type'] === 'error').length, 3);
      // Out of order: a continuation of a response still generating on the same lane waits its turn.
      client.send({ type: 'response.create', model: MODEL, input: 'Count to five.', max_output_tokens: 16, temperature: 0, store: false });
      const created = await client.waitFor((f) => f['type'] === 'response.created');
      client.send({ type: 'response.create', model: MODEL, previous_response_id: responseOf(created).id, input: [{ role: 'user', content: 'Again.' }], max_output_tokens: 8, temperature: 0, store: false });
      const second = await client.waitFor((f) => f['type'] === 'response.created' && responseOf(f).previous_response_id === responseOf(created).id, 0, 30_000);
      assert.ok(second);
      await client.waitFor((f) => (f['type'] === 'response.completed' || f['type'] === 'response.incomplete') && responseOf(f).previous_response_id === responseOf(created).id, 0, 30_000);
      client.send('x'.repeat(2 * 1024 * 1024));
      const closed = await client.closed;
      assert.equal(closed.code, 1009);
      const ok = await other.create({ model: MODEL, input: 'Hi', max_output_tokens: 2, temperature: 0 });
      assert.equal(ok.at(-1)?.['type'], 'response.incomplete');
    } finally {
      other.close();
    }
  });

  it('works with the official SDK WebSocket client, continuing without resending', async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'local', maxRetries: 0 });
    const socket = new ResponsesWS(openai);
    try {
      const finished = async (): Promise<OpenAI.Responses.Response> =>
        (await Promise.race([socket.emitted('response.completed'), socket.emitted('response.incomplete')])).response;
      let done = finished();
      socket.send({ type: 'response.create', model: MODEL, store: false, input: 'Name a color.', max_output_tokens: 8, temperature: 0 });
      const first = await done;
      done = finished();
      socket.send({ type: 'response.create', model: MODEL, store: false, previous_response_id: first.id, input: [{ role: 'user', content: 'Another one.' }], max_output_tokens: 8, temperature: 0 });
      const second = await done;
      assert.equal(second.previous_response_id, first.id);
      assert.ok((second.usage?.input_tokens_details.cached_tokens ?? 0) >= (first.usage?.input_tokens ?? Infinity));
    } finally {
      socket.close();
    }
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
