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
  return new ChatUpstreamEngine({ name: 'up', baseUrl, apiKey: 'sk-test-SECRET-key-123456', models: ['m'], limits: { retryBaseMs: 1, retryMaxMs: 5 }, ...options });
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

        void it('a 429 with Retry-After: EngineError overloaded before any event, the upstream message kept, not retried', async () => {
          const before = replay.received.length;
          const error = await rejection(collect(engineFor(replay.baseUrl(server, 'rate_limited')).generate(request())));
          assert.equal(error.code, 'overloaded');
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
          assert.equal(error.code, 'internal');
          assert.match(error.message, /cut mid-way|broke off/);
          assert.ok(summarize(events).text.startsWith('Partial'));
          assert.equal(events.some((event) => event.type === 'finish'), false);
        });
      });
    }
  });
}
