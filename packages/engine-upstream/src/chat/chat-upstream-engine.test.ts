// ChatUpstreamEngine over real sockets: a replay server plays back the recorded SSE byte streams
// of vLLM, SGLang, Ollama, llama-server and Cerebras (fixtures/), and hand-made streams for abort,
// retries, timeouts and custom tools. No fetch mocks: the engine's own HTTP client talks to it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineError, type EngineEvent, type GenerateRequest } from '@spark/engine';
import { waitFor } from '@spark/server/testing';
import { CHAT_FIXTURE_SERVERS, startChatReplayServer, type ChatReplayServer } from '../testing/chat-replay-server.js';
import { ChatUpstreamEngine, type ChatUpstreamEngineOptions } from './chat-upstream-engine.js';

const WEATHER = { kind: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false } as const;

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: 'up/m',
    conversation: [{ type: 'user', text: 'hi' }],
    tools: [WEATHER],
    toolChoice: { type: 'auto' },
    parallelToolCalls: true,
    outputFormat: { type: 'text' },
    sampling: { temperature: 0 },
    signal: new AbortController().signal,
    ...overrides,
  };
}

function engineFor(baseUrl: string, options: Partial<ChatUpstreamEngineOptions> = {}): ChatUpstreamEngine {
  return new ChatUpstreamEngine({ name: 'up', baseUrl, apiKey: 'sk-test-SECRET-key-123456', models: ['m'], limits: { retryBaseMs: 1, maxRetryDelayMs: 5 }, ...options });
}

async function collect(events: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

interface Summary {
  text: string;
  reasoning: string;
  calls: Array<{ name: string; kind: string; arguments: string; deltas: string[] }>;
  finish: Extract<EngineEvent, { type: 'finish' }> | undefined;
}

function summarize(events: readonly EngineEvent[]): Summary {
  const summary: Summary = { text: '', reasoning: '', calls: [], finish: undefined };
  const byId = new Map<string, Summary['calls'][number]>();
  for (const event of events) {
    if (event.type === 'text-delta') summary.text += event.delta;
    if (event.type === 'reasoning-delta') summary.reasoning += event.delta;
    if (event.type === 'tool-call-start') {
      const call = { name: event.name, kind: event.kind, arguments: '', deltas: [] as string[] };
      byId.set(event.callId, call);
      summary.calls.push(call);
    }
    if (event.type === 'tool-call-delta') byId.get(event.callId)?.deltas.push(event.delta);
    if (event.type === 'tool-call-end') {
      const call = byId.get(event.callId);
      if (call) call.arguments = event.arguments;
    }
    if (event.type === 'finish') summary.finish = event;
  }
  return summary;
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(EngineError.is(error), `expected an EngineError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the generation to fail');
}

for (const splitBytes of [false, true]) {
  void describe(`recorded upstream streams${splitBytes ? ', one byte per write' : ''}`, () => {
    let replay: ChatReplayServer;
    before(async () => { replay = await startChatReplayServer({ splitBytes }); });
    after(async () => { await replay.close(); });

    for (const server of CHAT_FIXTURE_SERVERS) {
      void describe(server, () => {
        void it('a text answer: text deltas, finish stop, usage', async () => {
          const summary = summarize(await collect(engineFor(replay.baseUrl(server, 'text')).generate(request())));
          assert.equal(summary.text, 'Hello there!');
          assert.equal(summary.reasoning, '');
          assert.equal(summary.finish?.reason, 'stop');
          assert.equal(summary.finish?.usage.inputTokens, 24);
          assert.equal(summary.finish?.usage.outputTokens, 3);
          // Ollama reports no cached tokens; the others do (llama-server as timings.cache_n).
          assert.equal(summary.finish?.usage.cachedInputTokens, server === 'ollama' ? 0 : 16);
        });

        void it('a streamed tool call: start, argument deltas, end; finish tool_calls', async () => {
          const summary = summarize(await collect(engineFor(replay.baseUrl(server, 'tool_streamed')).generate(request())));
          assert.equal(summary.finish?.reason, 'tool_calls');
          assert.ok(summary.calls.length >= 1);
          for (const call of summary.calls) {
            assert.equal(call.name, 'get_weather');
            assert.equal(call.kind, 'function');
            assert.equal(call.deltas.join(''), call.arguments);
          }
          assert.deepEqual(JSON.parse(summary.calls[0]?.arguments ?? ''), { city: 'Paris' });
          if (server === 'vllm' || server === 'ollama') assert.deepEqual(JSON.parse(summary.calls[1]?.arguments ?? ''), { city: 'Oslo' });
          if (server !== 'ollama') assert.ok((summary.calls[0]?.deltas.length ?? 0) > 1, 'arguments arrive in pieces');
        });

        void it('a whole tool call in one chunk', async () => {
          const summary = summarize(await collect(engineFor(replay.baseUrl(server, 'tool_whole')).generate(request())));
          assert.equal(summary.calls.length, 1);
          assert.deepEqual(JSON.parse(summary.calls[0]?.arguments ?? ''), { city: 'Paris' });
          assert.equal(summary.finish?.reason, 'tool_calls');
        });

        void it('reasoning text as reasoning deltas, then the answer', async () => {
          const events = await collect(engineFor(replay.baseUrl(server, 'reasoning')).generate(request()));
          const summary = summarize(events);
          assert.equal(summary.reasoning, 'Compare 9.11 and 9.8.');
          assert.equal(summary.text, '9.8 is greater.');
          const kinds = events.filter((event) => event.type === 'reasoning-delta' || event.type === 'text-delta').map((event) => event.type);
          assert.equal(kinds.lastIndexOf('reasoning-delta') < kinds.indexOf('text-delta'), true);
        });

        void it('a length stop finishes length', async () => {
          const summary = summarize(await collect(engineFor(replay.baseUrl(server, 'length')).generate(request())));
          assert.equal(summary.text, 'One two three');
          assert.equal(summary.finish?.reason, 'length');
        });

        void it('a 429 with Retry-After: EngineError rate_limited before any event, the upstream message kept, not retried', async () => {
          const before = replay.received.length;
          const error = await rejection(collect(engineFor(replay.baseUrl(server, 'rate_limited')).generate(request())));
          assert.equal(error.code, 'rate_limited');
          assert.equal(error.retryAfterMs, 7000);
          assert.match(error.message, /429/);
          assert.ok(error.message.length > 'Upstream answered 429: '.length);
          assert.equal(replay.received.length - before, 1, 'a long Retry-After is the client\'s to wait, not a held request\'s');
        });

        void it('a stream cut mid-way fails the generation after the partial output', async () => {
          const events: EngineEvent[] = [];
          const error = await rejection((async () => {
            for await (const event of engineFor(replay.baseUrl(server, 'cut')).generate(request())) events.push(event);
          })());
          assert.equal(error.code, 'upstream_error');
          assert.match(error.message, /cut mid-way|broke off/);
          assert.ok(summarize(events).text.startsWith('Partial'));
          assert.equal(events.some((event) => event.type === 'finish'), false);
        });
      });
    }
  });
}

const SSE = { 'content-type': 'text/event-stream' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

void describe('what the engine sends and how it behaves', () => {
  let replay: ChatReplayServer;
  before(async () => { replay = await startChatReplayServer(); });
  after(async () => { await replay.close(); });

  void it('renders the conversation, tools and options as a streamed Chat Completions request, the same bytes every turn', async () => {
    const engine = engineFor(replay.baseUrl('vllm', 'text'));
    const turn1: GenerateRequest = request({
      conversation: [
        { type: 'system', text: 'Be brief.' },
        { type: 'user', text: 'weather?' },
        { type: 'reasoning', text: 'need a tool' },
        { type: 'assistant', text: 'Checking.' },
        { type: 'tool_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', kind: 'function' },
        { type: 'tool_call', callId: 'call_2', name: 'apply_patch', arguments: '*** Begin Patch\n*** End Patch', kind: 'custom' },
        { type: 'tool_result', callId: 'call_1', output: 'sunny' },
        { type: 'tool_result', callId: 'call_2', output: 'done' },
      ],
      tools: [WEATHER, { kind: 'custom', name: 'apply_patch', description: 'Edit files.' }],
      toolChoice: { type: 'named', name: 'get_weather' },
      parallelToolCalls: false,
      outputFormat: { type: 'json_schema', schema: { type: 'object', title: 'Answer' }, strict: true },
      maxOutputTokens: 64,
      sampling: { temperature: 0.2, topP: 0.9, seed: 7 },
    });
    await collect(engine.generate(turn1));
    const sent = replay.received.at(-1);
    assert.equal(sent?.path, '/vllm/text/v1/chat/completions');
    assert.equal(sent?.headers.authorization, 'Bearer sk-test-SECRET-key-123456');
    const body = sent?.body as Record<string, unknown>;
    assert.equal(body['model'], 'm');
    assert.deepEqual(body['messages'], [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant', content: 'Checking.', tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n*** End Patch' }) } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: 'done' },
    ]);
    const tools = body['tools'] as Array<{ function: { name: string; parameters: unknown } }>;
    assert.deepEqual(tools.map((tool) => tool.function.name), ['get_weather', 'apply_patch']);
    assert.deepEqual(tools[1]?.function.parameters, {
      type: 'object', properties: { input: { type: 'string', description: 'The raw input of the apply_patch tool (freeform text, not JSON).' } }, required: ['input'], additionalProperties: false,
    });
    assert.deepEqual(body['tool_choice'], { type: 'function', function: { name: 'get_weather' } });
    assert.equal(body['parallel_tool_calls'], false);
    assert.deepEqual(body['response_format'], { type: 'json_schema', json_schema: { name: 'Answer', schema: { type: 'object', title: 'Answer' }, strict: true } });
    assert.equal(body['max_tokens'], 64);
    assert.equal(body['temperature'], 0.2);
    assert.equal(body['top_p'], 0.9);
    assert.equal(body['seed'], 7);
    assert.equal(body['stream'], true);
    assert.deepEqual(body['stream_options'], { include_usage: true });

    // The next turn's messages start with this turn's, byte for byte: the upstream's prefix cache hits.
    const turn2 = { ...turn1, conversation: [...turn1.conversation, { type: 'assistant', text: 'Sunny.' } as const, { type: 'user', text: 'thanks' } as const] };
    await collect(engine.generate(turn2));
    const first = JSON.stringify((replay.received.at(-2)?.body as { messages: unknown[] }).messages);
    const second = JSON.stringify((replay.received.at(-1)?.body as { messages: unknown[] }).messages);
    assert.ok(second.startsWith(first.slice(0, -1)), 'turn 2 extends turn 1');
  });

  void it('unwraps a custom tool call while it streams: kind custom, deltas of the input text, escapes split across chunks', async () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+say "hi" \u00e9\n*** End Patch';
    const args = JSON.stringify({ input: patch });
    replay.add('custom/stream', async (res) => {
      res.writeHead(200, SSE);
      res.write(chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_p', type: 'function', function: { name: 'apply_patch', arguments: '' } }] }));
      // Split every 3 characters: through `\n`, `\"` and `\u`-free UTF-8 alike.
      for (let index = 0; index < args.length; index += 3) {
        res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(index, index + 3) } }] }));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end(`${chunk({}, 'tool_calls')}data: [DONE]\n\n`);
    });
    const events = await collect(engineFor(replay.baseUrl('custom', 'stream')).generate(request({ tools: [{ kind: 'custom', name: 'apply_patch' }] })));
    const summary = summarize(events);
    assert.equal(summary.calls.length, 1);
    assert.equal(summary.calls[0]?.kind, 'custom');
    assert.equal(summary.calls[0]?.arguments, patch);
    assert.equal(summary.calls[0]?.deltas.join(''), patch);
    assert.ok((summary.calls[0]?.deltas.length ?? 0) > 5, 'the input streams, it is not emitted at the end');
  });

  void it('abort closes the upstream request at once and finishes aborted with the partial output', async () => {
    let release = (): void => undefined;
    replay.add('slow/stream', async (res) => {
      res.writeHead(200, SSE);
      res.write(chunk({ role: 'assistant', content: 'Partial' }));
      await new Promise<void>((resolve) => { release = resolve; res.on('close', resolve); });
    });
    const closedBefore = replay.closedRequests;
    const controller = new AbortController();
    const events: EngineEvent[] = [];
    for await (const event of engineFor(replay.baseUrl('slow', 'stream')).generate(request({ signal: controller.signal }))) {
      events.push(event);
      if (event.type === 'text-delta') controller.abort();
    }
    release();
    const summary = summarize(events);
    assert.equal(summary.text, 'Partial');
    assert.equal(summary.finish?.reason, 'aborted');
    await waitFor(() => replay.closedRequests > closedBefore);
  });

  void it('retries a 503 and a short 429 before the first byte, then streams', async () => {
    let calls = 0;
    replay.add('flaky/stream', (res) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"Loading model"}}');
        return;
      }
      if (calls === 2) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"error":{"message":"slow down"}}');
        return;
      }
      res.writeHead(200, SSE).end(`${chunk({ content: 'ok' }, 'stop')}data: [DONE]\n\n`);
    });
    const summary = summarize(await collect(engineFor(replay.baseUrl('flaky', 'stream')).generate(request())));
    assert.equal(summary.text, 'ok');
    assert.equal(calls, 3);
  });

  void it('a refused connection is retried, then fails with an EngineError', async () => {
    const engine = engineFor('http://127.0.0.1:1/v1', { limits: { maxAttempts: 2, retryBaseMs: 1, maxRetryDelayMs: 1 } });
    const error = await rejection(collect(engine.generate(request())));
    assert.equal(error.code, 'upstream_error');
    assert.match(error.message, /unreachable \(ECONNREFUSED\)/);
  });

  void it('a first-byte timeout fails without a retry (the upstream may still be working)', async () => {
    let calls = 0;
    replay.add('silent/stream', () => { calls += 1; });
    const engine = engineFor(replay.baseUrl('silent', 'stream'), { limits: { firstByteTimeoutMs: 50 } });
    const error = await rejection(collect(engine.generate(request())));
    assert.match(error.message, /first byte timed out/);
    assert.equal(calls, 1);
  });

  void it('keeps the upstream\'s message and never the key, even where the upstream echoes it', async () => {
    replay.add('auth/stream', (res) => {
      res.writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'Incorrect API key provided: sk-test-SECRET-key-123456 (sk-tes*************3456).', type: 'invalid_request_error' } }));
    });
    const error = await rejection(collect(engineFor(replay.baseUrl('auth', 'stream')).generate(request())));
    assert.equal(error.code, 'upstream_auth');
    assert.match(error.message, /Incorrect API key provided/);
    assert.doesNotMatch(error.message, /SECRET|3456/);
  });

  void it('an error event mid-stream fails the generation with the upstream\'s message', async () => {
    replay.add('midfail/stream', (res) => {
      res.writeHead(200, SSE).end(`${chunk({ content: 'Hel' })}data: {"error":{"message":"This model's maximum context length is 4096 tokens","type":"BadRequestError","code":400}}\n\n`);
    });
    const error = await rejection(collect(engineFor(replay.baseUrl('midfail', 'stream')).generate(request())));
    assert.equal(error.code, 'context_length_exceeded');
    assert.match(error.message, /maximum context length/);
  });

  void it('lists models as <provider>/<model> and refuses others before any request', () => {
    const engine = new ChatUpstreamEngine({ name: 'cerebras', baseUrl: replay.url, models: ['llama-3.3-70b', { id: 'gpt-oss-120b', contextWindow: 65_536 }] });
    assert.deepEqual(engine.listModels().map((model) => [model.id, model.contextSize]), [['cerebras/llama-3.3-70b', 131_072], ['cerebras/gpt-oss-120b', 65_536]]);
    assert.throws(() => engine.generate(request({ model: 'cerebras/nope' })), (error: unknown) => EngineError.is(error) && error.code === 'model_not_found');
  });
});
