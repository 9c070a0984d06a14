// The real-time verbs over upstream models (issue 14, scope 3), over real sockets: a client's
// WebSocket to a Spark server in front, which serves `up/scripted` from a second Spark server
// (scripted engine) through ResponsesUpstreamEngine (its WebSocket mode) or ChatUpstreamEngine
// (its /v1/chat/completions). What the upstream received is read from its engine's requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConversationItem, Engine, EngineEvent, GenerateRequest } from '@spark/engine';
import { outputText, responseOf, waitFor, WsTestClient } from '@spark/server/testing';
import { ChatUpstreamEngine, type ChatUpstreamEngineOptions } from './chat/chat-upstream-engine.js';
import { ResponsesUpstreamEngine, type ResponsesUpstreamOptions } from './responses/responses-upstream-engine.js';
import { startUpstreamPair, type UpstreamPair } from './testing/upstream-pair.js';

const MODEL = 'up/scripted';
type Kind = 'responses' | 'chat';

type Pair = UpstreamPair<Engine>;

interface PairOptions {
  responses?: Partial<ResponsesUpstreamOptions>;
  chat?: Partial<ChatUpstreamEngineOptions>;
}

function startPair(kind: Kind, options: PairOptions = {}): Promise<Pair> {
  return startUpstreamPair<Engine>((upstream) => (kind === 'responses'
    ? new ResponsesUpstreamEngine({ name: 'up', baseUrl: upstream.baseUrl, models: [{ id: 'scripted', contextSize: 4096 }], limits: { retryBaseMs: 1 }, ...options.responses })
    : new ChatUpstreamEngine({ name: 'up', baseUrl: upstream.baseUrl, apiKey: 'test-key', models: [{ id: 'scripted', contextWindow: 4096 }], ...options.chat })));
}

/** The whole conversation an upstream generation ran on: what its state covered, then what was sent. */
function seen(request: GenerateRequest): ConversationItem[] {
  const data = request.continueFrom?.data as { conversation?: ConversationItem[] } | undefined;
  return [...(data?.conversation ?? []), ...request.conversation];
}

/** The upstream request whose last user turn is `text`. */
function requestFor(pair: Pair, text: string): GenerateRequest {
  const found = pair.upstream.engine.requests.findLast((request) => {
    const last = request.conversation.findLast((item) => item.type === 'user');
    return last?.type === 'user' && last.text === text;
  });
  assert.ok(found, `the upstream received a request ending in '${text}'`);
  return found;
}

const user = (text: string): ConversationItem => ({ type: 'user', text });
const said = (text: string): ConversationItem => ({ type: 'assistant', text: `You said: ${text}` });

for (const kind of ['responses', 'chat'] as const) {
  void describe(`real-time verbs over a ${kind} upstream`, () => {
    let pair: Pair;
    before(async () => { pair = await startPair(kind); });
    after(async () => { await pair.close(); });

    void it('WebSocket lanes: two chains at once, then a fork from an earlier response copies its history', async () => {
      const ws = await WsTestClient.connect(pair.front.url);
      try {
        ws.send({ type: 'response.create', model: MODEL, stream_id: 'a', input: 'a1' });
        ws.send({ type: 'response.create', model: MODEL, stream_id: 'b', input: 'b1' });
        const [a1, b1] = (await Promise.all([ws.turn('a'), ws.turn('b')])).map((frames) => responseOf(frames.at(-1)));
        assert.equal(outputText(a1 as never), 'You said: a1');
        assert.equal(outputText(b1 as never), 'You said: b1');
        ws.send({ type: 'response.create', model: MODEL, stream_id: 'a', previous_response_id: a1?.id, input: 'a2' });
        ws.send({ type: 'response.create', model: MODEL, stream_id: 'b', previous_response_id: b1?.id, input: 'b2' });
        const [a2, b2] = (await Promise.all([ws.turn('a'), ws.turn('b')])).map((frames) => responseOf(frames.at(-1)));
        assert.equal(outputText(a2 as never), 'You said: a2');
        assert.equal(outputText(b2 as never), 'You said: b2');
        // The fork: a new lane continues a1, which a2 already continued.
        const fork = responseOf((await ws.create({ model: MODEL, stream_id: 'c', previous_response_id: a1?.id, input: 'fork' })).at(-1));
        assert.equal(outputText(fork), 'You said: fork');

        assert.deepEqual(seen(requestFor(pair, 'a2')), [user('a1'), said('a1'), user('a2')]);
        assert.deepEqual(seen(requestFor(pair, 'b2')), [user('b1'), said('b1'), user('b2')]);
        assert.deepEqual(seen(requestFor(pair, 'fork')), [user('a1'), said('a1'), user('fork')], 'the fork saw a1\'s history, not a2\'s');
        if (kind === 'responses') {
          // Each lane chained on its own upstream response: only the new item went upstream.
          assert.deepEqual(requestFor(pair, 'a2').conversation, [user('a2')]);
          assert.deepEqual(requestFor(pair, 'b2').conversation, [user('b2')]);
        } else {
          // No state to continue: the server resent each lane's whole history.
          assert.equal(requestFor(pair, 'a2').continueFrom, undefined);
        }
      } finally {
        ws.close();
      }
    });

    void it('steering stops the upstream stream and the successor carries the partial output and the steer', async () => {
      const ws = await WsTestClient.connect(pair.front.url);
      try {
        pair.upstreamFinishes.length = 0;
        ws.send({ type: 'response.create', model: MODEL, input: 'slow 2000' });
        const created = await ws.waitFor((frame) => frame['type'] === 'response.created');
        await ws.waitFor((frame) => frame['type'] === 'response.output_text.delta');
        ws.send({ type: 'response.steer', previous_response_id: responseOf(created).id, input: 'steer now' });
        const steered = responseOf((await ws.turn()).at(-1));
        assert.equal(steered.status, 'incomplete');
        const partial = outputText(steered);
        assert.ok(partial.startsWith('t1') && !partial.includes('t2000'), `stopped mid-way: '${partial.slice(0, 40)}'`);
        const successor = responseOf((await ws.turn()).at(-1));
        assert.equal(successor.status, 'completed');
        assert.equal(outputText(successor), 'You said: steer now');

        await waitFor(() => pair.upstreamFinishes.length >= 2);
        // In either order: the successor may finish upstream before the upstream notices the cut.
        assert.deepEqual([...pair.upstreamFinishes].sort(), ['aborted', 'stop'], 'the first upstream generation was stopped, the successor completed');
        const next = requestFor(pair, 'steer now');
        assert.deepEqual(seen(next), [user('slow 2000'), { type: 'assistant', text: partial }, user('steer now')]);
        if (kind === 'responses') assert.deepEqual(next.conversation, [user('steer now')], 'chained on the stopped upstream response');
      } finally {
        ws.close();
      }
    });

    void it('generate:false warms the upstream with the same prefix, completes without output, and the chain goes on', async () => {
      const ws = await WsTestClient.connect(pair.front.url);
      try {
        const before = pair.upstream.engine.requests.length;
        const warm = responseOf((await ws.create({ model: MODEL, input: [{ role: 'system', content: 'be brief' }], generate: false })).at(-1));
        assert.equal(warm.status, 'completed');
        assert.deepEqual(warm.output, []);
        const warming = pair.upstream.engine.requests[before];
        assert.ok(warming, 'the warm-up reached the upstream');
        assert.deepEqual(warming.conversation, [{ type: 'system', text: 'be brief' }]);
        if (kind === 'responses') assert.equal(warming.prefillOnly, true, 'generate:false upstream');
        else assert.equal(warming.maxOutputTokens, 1, 'a one-token request');
        const next = responseOf((await ws.create({ model: MODEL, previous_response_id: warm.id, input: 'go' })).at(-1));
        assert.equal(outputText(next), 'You said: go');
        assert.deepEqual(seen(requestFor(pair, 'go')), [{ type: 'system', text: 'be brief' }, user('go')], 'the same prefix, then the new item');
      } finally {
        ws.close();
      }
    });
  });
}

void describe('generate:false where the upstream cannot warm', () => {
  void it('a Responses upstream over HTTP: a no-op that still completes', async () => {
    const pair = await startPair('responses', { responses: { transport: 'http' } });
    const ws = await WsTestClient.connect(pair.front.url);
    try {
      const warm = responseOf((await ws.create({ model: MODEL, input: 'hello', generate: false })).at(-1));
      assert.equal(warm.status, 'completed');
      assert.equal(pair.upstream.engine.requests.length, 0, 'nothing was sent upstream');
      const next = responseOf((await ws.create({ model: MODEL, previous_response_id: warm.id, input: 'go' })).at(-1));
      assert.equal(outputText(next), 'You said: go');
      assert.deepEqual(seen(requestFor(pair, 'go')), [user('hello'), user('go')]);
    } finally {
      ws.close();
      await pair.close();
    }
  });
});

void describe('Predicted Outputs over upstreams', () => {
  const PREDICTION = { type: 'content', content: 'const x = 1;' };

  async function predict(pair: Pair, input: string): Promise<void> {
    // `prediction` is a Spark extension on the Responses API; the SDK passes unknown fields on.
    const response = await pair.front.client.responses.create({ model: MODEL, input, prediction: PREDICTION } as never);
    assert.equal((response as { output_text: string }).output_text, `You said: ${input}`);
  }

  const droppedLines = (pair: Pair): string[] => pair.front.logged.filter((line) => line.includes("does not take 'prediction'"));

  void it('a Spark upstream (Responses) gets the prediction', async () => {
    const pair = await startPair('responses');
    try {
      await predict(pair, 'p1');
      assert.equal(requestFor(pair, 'p1').prediction, 'const x = 1;');
      assert.deepEqual(droppedLines(pair), []);
    } finally {
      await pair.close();
    }
  });

  void it('a Chat upstream that takes it (sendPrediction) gets it', async () => {
    const pair = await startPair('chat', { chat: { sendPrediction: true } });
    try {
      await predict(pair, 'p1');
      assert.equal(requestFor(pair, 'p1').prediction, 'const x = 1;');
      assert.deepEqual(droppedLines(pair), []);
    } finally {
      await pair.close();
    }
  });

  for (const [kind, options] of [['chat', {}], ['responses', { responses: { sendPrediction: false } }]] as const) {
    void it(`a ${kind} upstream that does not take it: left out, the answer unchanged, the server log says so once`, async () => {
      const pair = await startPair(kind, options);
      try {
        await predict(pair, 'p1');
        await predict(pair, 'p2');
        assert.equal(requestFor(pair, 'p1').prediction, undefined);
        assert.equal(requestFor(pair, 'p2').prediction, undefined);
        assert.equal(droppedLines(pair).length, 1, 'one warning per model');
        assert.match(droppedLines(pair)[0] ?? '', /up\/scripted/);
      } finally {
        await pair.close();
      }
    });
  }

  void it('the engine reports the drop on its finish (dropped: [prediction]); the response notes it in its metadata, next to the client\'s own pairs, where there is room', async () => {
    const pair = await startPair('chat');
    try {
      const response = await pair.front.client.responses.create({ model: MODEL, input: 'p3', metadata: { mine: 'yes' }, prediction: PREDICTION } as never);
      assert.deepEqual((response as { metadata: unknown }).metadata, { mine: 'yes', spark_dropped: 'prediction' });
      const stored = await pair.front.client.responses.retrieve((response as { id: string }).id);
      assert.deepEqual(stored.metadata, { mine: 'yes', spark_dropped: 'prediction' }, 'the stored response says so too');
      const plain = await pair.front.client.responses.create({ model: MODEL, input: 'p3b', metadata: { mine: 'yes' } });
      assert.deepEqual(plain.metadata, { mine: 'yes' }, 'nothing dropped, nothing added');
      const full = Object.fromEntries(Array.from({ length: 16 }, (_, index) => [`k${index}`, 'v']));
      const crowded = await pair.front.client.responses.create({ model: MODEL, input: 'p3c', metadata: full, prediction: PREDICTION } as never);
      assert.deepEqual((crowded as { metadata: unknown }).metadata, full, 'sixteen pairs are the limit: the client\'s stay as sent');
      const request: GenerateRequest = {
        model: MODEL, conversation: [user('p4')], tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: true, outputFormat: { type: 'text' },
        sampling: { temperature: 0 }, signal: new AbortController().signal, prediction: 'x',
      };
      let finish: EngineEvent | undefined;
      for await (const event of pair.engine.generate(request)) if (event.type === 'finish') finish = event;
      assert.ok(finish?.type === 'finish');
      assert.deepEqual(finish.dropped, ['prediction']);
    } finally {
      await pair.close();
    }
  });
});

void describe('Responses upstream: one upstream socket per downstream session', () => {
  let pair: Pair;
  before(async () => { pair = await startPair('responses'); });
  after(async () => { await pair.close(); });

  void it('two WebSocket connections chaining at once each continue with previous_response_id and only new items', async () => {
    const a = await WsTestClient.connect(pair.front.url);
    const b = await WsTestClient.connect(pair.front.url);
    try {
      const a1 = responseOf((await a.create({ model: MODEL, input: 'a1' })).at(-1));
      // B starts while A's upstream socket is idle: a shared pool would hand B that very socket.
      b.send({ type: 'response.create', model: MODEL, input: 'slow 40' });
      await b.waitFor((frame) => frame['type'] === 'response.output_text.delta');
      // ...and A's next turn, arriving while B generates, would then find it busy and resend.
      const a2 = responseOf((await a.create({ model: MODEL, previous_response_id: a1.id, input: 'a2' })).at(-1));
      const b1 = responseOf((await b.turn()).at(-1));
      assert.equal(b1.status, 'completed');
      b.send({ type: 'response.create', model: MODEL, previous_response_id: b1.id, input: 'b2' });
      const a3 = responseOf((await a.create({ model: MODEL, previous_response_id: a2.id, input: 'a3' })).at(-1));
      const b2 = responseOf((await b.turn()).at(-1));
      assert.equal(outputText(a3), 'You said: a3');
      assert.equal(outputText(b2), 'You said: b2');
      for (const text of ['a2', 'a3', 'b2']) {
        const request = requestFor(pair, text);
        assert.ok(request.continueFrom, `${text} continued the upstream's own response`);
        assert.deepEqual(request.conversation, [user(text)], `${text}: only the new item went upstream`);
      }
      assert.equal((pair.engine as ResponsesUpstreamEngine).upstreamSockets, 2, 'one upstream socket per connection');
    } finally {
      a.close();
      b.close();
    }
    // The downstream connections closed: their upstream sockets close too.
    await waitFor(() => (pair.engine as ResponsesUpstreamEngine).upstreamSockets === 0);
  });

  void it('a session\'s socket is lent to nobody else; a session that ends mid-generation closes its socket when it finishes', async () => {
    const engine = pair.engine as ResponsesUpstreamEngine;
    const request = (text: string, session?: string): GenerateRequest => ({
      model: MODEL, conversation: [user(text)], tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: true, outputFormat: { type: 'text' },
      sampling: { temperature: 0 }, signal: new AbortController().signal, ...(session === undefined ? {} : { session }),
    });
    const drain = async (events: AsyncIterable<EngineEvent>, onFirst?: () => void): Promise<EngineEvent[]> => {
      const out: EngineEvent[] = [];
      for await (const event of events) {
        if (out.length === 1) onFirst?.();
        out.push(event);
      }
      return out;
    };
    await waitFor(() => engine.upstreamSockets === 0);
    await drain(engine.generate(request('s1 first', 's1')));
    assert.equal(engine.upstreamSockets, 1);
    // A sessionless generation does not take s1's idle socket: it opens a shared one.
    await drain(engine.generate(request('shared')));
    assert.equal(engine.upstreamSockets, 2);
    // s1 ends while it generates: its socket serves the generation to its end, then closes.
    const events = await drain(engine.generate(request('slow 20', 's1')), () => engine.endSession('s1'));
    const finish = events.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.equal(finish.reason, 'stop');
    await waitFor(() => engine.upstreamSockets === 1);
  });
});
