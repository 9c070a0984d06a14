// The Responses upstream over real sockets: a second Spark server (scripted engine) is the
// upstream, and a Spark server in front of it serves `up/scripted` through ResponsesUpstreamEngine.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Engine, EngineEvent, GenerateRequest, GenerationState, ScriptStep } from '@spark/engine';
import { startTestServer, steps, testScript, waitFor, WsTestClient, outputText, responseOf } from '@spark/server/testing';
import { startUpstreamPair, type UpstreamPair } from '../testing/upstream-pair.js';
import { ResponsesUpstreamEngine, type ResponsesUpstreamOptions } from './responses-upstream-engine.js';

const MODEL = 'up/scripted';

type Pair = UpstreamPair<ResponsesUpstreamEngine>;

function startPair(options: Partial<ResponsesUpstreamOptions> = {}, upstreamOptions: Parameters<typeof startTestServer>[0] = {}): Promise<Pair> {
  return startUpstreamPair((upstream) => new ResponsesUpstreamEngine({
    name: 'up', baseUrl: upstream.baseUrl, models: [{ id: 'scripted', contextSize: 4096 }], limits: { retryBaseMs: 1 }, ...options,
  }), upstreamOptions);
}

async function collect(engine: Engine, request: GenerateRequest): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for await (const event of engine.generate(request)) events.push(event);
  return events;
}

function finishOf(events: readonly EngineEvent[]): Extract<EngineEvent, { type: 'finish' }> {
  const finish = events.at(-1);
  assert.ok(finish?.type === 'finish', 'the last event is the finish');
  return finish;
}

function engineRequest(conversation: GenerateRequest['conversation'], extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: MODEL, conversation, tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: true, outputFormat: { type: 'text' },
    sampling: { temperature: 0 }, signal: new AbortController().signal, ...extra,
  };
}

for (const transport of ['websocket', 'http'] as const) {
  void describe(`Responses upstream over ${transport}`, () => {
    let pair: Pair;
    before(async () => { pair = await startPair({ transport }); });
    after(async () => { await pair.close(); });

    void it('answers with the upstream\'s text, through the official openai SDK (stream and not)', async () => {
      const response = await pair.front.client.responses.create({ model: MODEL, input: 'hello' });
      assert.equal(response.output_text, 'You said: hello');
      assert.ok((response.usage?.input_tokens ?? 0) > 0, 'usage comes from the upstream');
      const stream = await pair.front.client.responses.create({ model: MODEL, input: 'again', stream: true });
      let text = '';
      for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
      assert.equal(text, 'You said: again');
      assert.equal(pair.upstream.engine.requests.at(-1)?.model, 'scripted', 'the provider prefix is not sent upstream');
    });

    void it('round-trips a function tool call and its result', async () => {
      const tools = [{ type: 'function' as const, name: 'exec', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }];
      const first = await pair.front.client.responses.create({
        model: MODEL, tools, store: true, input: steps({ type: 'tool_call', name: 'exec', arguments: '{"cmd":"ls"}' }),
      });
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call && call.type === 'function_call');
      assert.equal(call.name, 'exec');
      assert.equal(call.arguments, '{"cmd":"ls"}');
      const second = await pair.front.client.responses.create({
        model: MODEL, tools, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'a.txt' }],
      });
      assert.equal(second.output_text, 'Result: a.txt');
      const sent = pair.upstream.engine.requests.at(-1)?.conversation ?? [];
      assert.deepEqual(sent.slice(-2).map((item) => item.type), ['tool_call', 'tool_result']);
    });

    void it('passes reasoning through, encrypted content and reasoning tokens included, and sends it back', async () => {
      const first = await pair.front.client.responses.create({
        model: MODEL, store: true, input: steps({ type: 'reasoning', text: 'think hard', encryptedContent: 'enc-123' }, { type: 'text', text: 'done' }),
      });
      const reasoning = first.output.find((item) => item.type === 'reasoning');
      assert.ok(reasoning && reasoning.type === 'reasoning');
      assert.equal(reasoning.encrypted_content, 'enc-123');
      assert.equal(reasoning.content?.map((part) => part.text).join(''), 'think hard');
      assert.equal(first.usage?.output_tokens_details.reasoning_tokens, 2);
      await pair.front.client.responses.create({ model: MODEL, previous_response_id: first.id, input: 'next' });
      const back = pair.upstream.engine.requests.at(-1)?.conversation.find((item) => item.type === 'reasoning');
      assert.deepEqual(back, { type: 'reasoning', text: 'think hard', encryptedContent: 'enc-123' });
    });

    void it('cancel reaches the upstream: its generation ends aborted, the partial output is kept', async () => {
      const ws = await WsTestClient.connect(pair.front.url);
      try {
        pair.upstreamFinishes.length = 0;
        ws.send({ type: 'response.create', model: MODEL, input: 'slow 2000' });
        const delta = await ws.waitFor((frame) => frame['type'] === 'response.output_text.delta');
        const created = await ws.waitFor((frame) => frame['type'] === 'response.created');
        ws.send({ type: 'response.cancel', response_id: responseOf(created).id });
        const response = responseOf((await ws.turn()).at(-1));
        assert.equal(response.status, 'cancelled');
        assert.ok(outputText(response).startsWith(String(delta['delta'])));
        assert.ok(!outputText(response).includes('t2000'), 'the upstream stopped before the end');
        await waitFor(() => pair.upstreamFinishes.length > 0);
        assert.deepEqual(pair.upstreamFinishes, ['aborted']);
      } finally {
        ws.close();
      }
    });

    void it('an upstream 429 with a long Retry-After becomes Spark\'s 429 with that Retry-After, at once', async () => {
      const before = pair.upstream.engine.requests.length;
      await assert.rejects(
        pair.front.client.responses.create({ model: MODEL, input: steps({ type: 'error', code: 'overloaded', message: 'slow down', retryAfterMs: 30_000 }) }),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.APIError);
          assert.equal(error.status, 429);
          assert.equal((error.headers as Headers | undefined)?.get('retry-after'), '30');
          return true;
        },
      );
      assert.equal(pair.upstream.engine.requests.length - before, 1, 'a Retry-After past the retry limit is not waited out');
    });
  });
}

void describe('Responses upstream: the warm WebSocket chain', () => {
  let pair: Pair;
  before(async () => { pair = await startPair(); });
  after(async () => { await pair.close(); });

  void it('sends only the new items upstream with previous_response_id, turn after turn', async () => {
    const ws = await WsTestClient.connect(pair.front.url);
    try {
      const first = responseOf((await ws.create({ model: MODEL, input: 'hello' })).at(-1));
      assert.equal(outputText(first), 'You said: hello');
      const second = responseOf((await ws.create({ model: MODEL, previous_response_id: first.id, input: 'again' })).at(-1));
      assert.equal(outputText(second), 'You said: again');
      const third = (await ws.create({ model: MODEL, previous_response_id: second.id, input: 'third' })).at(-1);
      assert.equal(outputText(responseOf(third)), 'You said: third');
      const [one, two, three] = pair.upstream.engine.requests.slice(-3);
      assert.equal(one?.continueFrom, undefined);
      assert.ok(two?.continueFrom && three?.continueFrom, 'the upstream continued its own state');
      assert.deepEqual(two.conversation, [{ type: 'user', text: 'again' }]);
      assert.deepEqual(three.conversation, [{ type: 'user', text: 'third' }]);
      const usage = (third?.['response'] as { usage: { input_tokens_details: { cached_tokens: number } } }).usage;
      assert.ok(usage.input_tokens_details.cached_tokens > 0, 'cached tokens come from the upstream');
    } finally {
      ws.close();
    }
  });

  void it('warms with generate:false upstream, then chains on the warmed response', async () => {
    const ws = await WsTestClient.connect(pair.front.url);
    try {
      const warm = responseOf((await ws.create({ model: MODEL, input: [{ role: 'system', content: 'be brief' }], generate: false })).at(-1));
      assert.equal(warm.status, 'completed');
      assert.equal(pair.upstream.engine.requests.at(-1)?.prefillOnly, true);
      await ws.create({ model: MODEL, previous_response_id: warm.id, input: 'go' });
      assert.deepEqual(pair.upstream.engine.requests.at(-1)?.conversation, [{ type: 'user', text: 'go' }]);
    } finally {
      ws.close();
    }
  });
});

void describe('Responses upstream: recovery', () => {
  void it('resends the whole conversation once when the upstream answers previous_response_not_found', async () => {
    const first = await startPair();
    const second = await startPair();
    try {
      const events = await collect(first.engine, engineRequest([{ type: 'user', text: 'hello' }]));
      const state = finishOf(events).state as GenerationState;
      // Warms the second engine's first socket: the state's socket slot then exists on a fresh
      // upstream, so the engine chains on a response id that upstream never saw.
      await collect(second.engine, engineRequest([{ type: 'user', text: 'warm' }]));
      const resumed = finishOf(await collect(second.engine, engineRequest([{ type: 'user', text: 'again' }], { continueFrom: state })));
      assert.equal(resumed.reason, 'stop');
      assert.deepEqual(resumed.metadata?.['upstream']?.['resent'], true);
      assert.deepEqual(second.upstream.engine.requests.at(-1)?.conversation, [
        { type: 'user', text: 'hello' }, { type: 'assistant', text: 'You said: hello' }, { type: 'user', text: 'again' },
      ]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  for (const transport of ['websocket', 'http'] as const) {
    void it(`cuts a stream that falls silent for longer than the provider's idle timeout (${transport})`, async () => {
      const pair = await startPair({ transport, limits: { retryBaseMs: 1, idleTimeoutMs: 300 } });
      try {
        const events: EngineEvent[] = [];
        const started = performance.now();
        await assert.rejects((async () => {
          const silent = [{ type: 'text', text: 'Hello' }, { type: 'delay', ms: 20_000 }, { type: 'text', text: 'late' }] as const;
          for await (const event of pair.engine.generate(engineRequest([{ type: 'user', text: steps(...silent) }]))) events.push(event);
        })(), /idle for 300 ms/);
        assert.ok(events.some((event) => event.type === 'text-delta'), 'what came before the silence was passed on');
        assert.ok(performance.now() - started < 10_000, 'cut by the idle timeout, not by the upstream finishing');
        await waitFor(() => pair.upstreamFinishes.length === 1);
      } finally {
        await pair.close();
      }
    });
  }

  void it('retries a 429 before the first event after its Retry-After, then answers', async () => {
    let calls = 0;
    const script = (request: GenerateRequest): readonly ScriptStep[] => {
      calls += 1;
      return calls === 1 ? [{ type: 'error', code: 'overloaded', message: 'busy', retryAfterMs: 1 }] : testScript(request);
    };
    const pair = await startPair({}, { engineOptions: { script } });
    try {
      const response = await pair.front.client.responses.create({ model: MODEL, input: 'hello' });
      assert.equal(response.output_text, 'You said: hello');
      assert.equal(calls, 2);
    } finally {
      await pair.close();
    }
  });

  void it('falls back to HTTP when the upstream refuses the WebSocket upgrade (426)', async () => {
    const pair = await startPair({ transport: 'websocket' }, { websocket: false });
    try {
      const response = await pair.front.client.responses.create({ model: MODEL, input: 'hello' });
      assert.equal(response.output_text, 'You said: hello');
      assert.equal(pair.engine.currentTransport, 'http');
    } finally {
      await pair.close();
    }
  });

  void it('an upstream that never answers times out, is retried a bounded number of times, and becomes a 502', async () => {
    let requests = 0;
    const hung: Server = createServer((req) => { requests += 1; req.resume(); });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const engine = new ResponsesUpstreamEngine({
      name: 'up', baseUrl: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/v1`, transport: 'http', models: [{ id: 'scripted', contextSize: 4096 }],
      limits: { connectTimeoutMs: 100, firstByteTimeoutMs: 100, maxAttempts: 2, retryBaseMs: 1 },
    });
    const front = await startTestServer({ wrapEngine: () => engine });
    try {
      await assert.rejects(front.client.responses.create({ model: MODEL, input: 'hello' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 502);
        assert.equal(error.code, 'upstream_error');
        return true;
      });
      assert.equal(requests, 2);
    } finally {
      await front.server.close();
      await engine.dispose();
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });

  void it('an upstream refusing the key becomes a 502 that keeps its message and never echoes the key', async () => {
    const key = 'sk-test-SECRETSECRET1234';
    // OpenAI's 401 quotes the (masked) key: a real socket that answers as it does.
    const fake: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null, message: `Incorrect API key provided: ${key}. Also sk-tes*****1234.` } }));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const engine = new ResponsesUpstreamEngine({
      name: 'up', baseUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`, apiKey: key, transport: 'http', models: [{ id: 'scripted', contextSize: 4096 }],
    });
    const front = await startTestServer({ wrapEngine: () => engine });
    try {
      await assert.rejects(front.client.responses.create({ model: MODEL, input: 'hello' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 502);
        assert.match(error.message, /Incorrect API key provided/);
        assert.ok(!JSON.stringify(error.error).includes('SECRET') && !error.message.includes('1234'), 'no part of the key is echoed');
        return true;
      });
      assert.ok(!front.logged.join('\n').includes('SECRET'));
    } finally {
      await front.server.close();
      await engine.dispose();
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });
});
