import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationItem, EngineEvent, GenerateRequest, GenerationState } from './engine-types.js';
import { EngineError } from './engine-error.js';
import { ScriptedEngine } from './scripted-engine.js';

function request(conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: 'scripted', conversation, tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: true,
    outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal: new AbortController().signal, ...extra,
  };
}

async function collect(events: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const all: EngineEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** The whitespace "tokens" a scripted state covers (engine-private, read here as its tests may). */
function tokenCount(state: GenerationState): number {
  return (state.data as { tokenCount: number }).tokenCount;
}

function finishOf(events: EngineEvent[]): Extract<EngineEvent, { type: 'finish' }> {
  const finish = events.at(-1);
  assert.equal(finish?.type, 'finish');
  if (finish?.type !== 'finish') throw new Error('unreachable');
  return finish;
}

void describe('ScriptedEngine continuation', () => {
  void it('reports a state covering the whole conversation, output included', async () => {
    const engine = new ScriptedEngine();
    const finish = finishOf(await collect(engine.generate(request([{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'hi there' }]))));
    const state = finish.state;
    assert.ok(state);
    assert.deepEqual([state.engine, state.model], ['scripted', 'scripted']);
    assert.deepEqual((state.data as { conversation: unknown }).conversation, [
      { type: 'system', text: 'Be brief.' }, { type: 'user', text: 'hi there' }, { type: 'assistant', text: 'You said: hi there' },
    ]);
    // Be brief. hi there You said: hi there -> 8 whitespace tokens.
    assert.equal(tokenCount(state), 8);
  });

  void it('continues from a state with only the new items: same output as the full history, prefix counted as cached', async () => {
    const engine = new ScriptedEngine();
    const first = finishOf(await collect(engine.generate(request([{ type: 'user', text: 'one' }]))));
    const continued = await collect(engine.generate(request([{ type: 'user', text: 'two' }], { continueFrom: first.state as GenerationState })));
    const full = await collect(engine.generate(request([{ type: 'user', text: 'one' }, { type: 'assistant', text: 'You said: one' }, { type: 'user', text: 'two' }])));
    const text = (events: EngineEvent[]): string => events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
    assert.equal(text(continued), text(full));
    assert.deepEqual(continued[0], { type: 'prompt', inputTokens: 5, cachedInputTokens: 4 });
    assert.deepEqual(finishOf(continued).state?.data, finishOf(full).state?.data);
    assert.equal(engine.stats().prefixCache?.hits, 1);
    assert.deepEqual(engine.requests[1]?.conversation, [{ type: 'user', text: 'two' }]);
  });

  void it('keeps partial output of an aborted generation in its state', async () => {
    const engine = new ScriptedEngine({ tokenDelayMs: 1 });
    const controller = new AbortController();
    const events: EngineEvent[] = [];
    for await (const event of engine.generate(request([{ type: 'user', text: 'a b c d e f g h' }], { signal: controller.signal }))) {
      events.push(event);
      if (events.filter((item) => item.type === 'text-delta').length === 3) controller.abort();
    }
    const finish = finishOf(events);
    assert.equal(finish.reason, 'aborted');
    assert.deepEqual((finish.state?.data as { conversation: ConversationItem[] }).conversation.at(-1), { type: 'assistant', text: 'You said: a' });
    assert.equal(engine.stats().activeSequences, 0);
  });

  void it('prefills only: no output, finish stop, a state to continue from', async () => {
    const engine = new ScriptedEngine();
    const events = await collect(engine.generate(request([{ type: 'system', text: 'sys prompt' }], { prefillOnly: true })));
    assert.deepEqual(events.map((event) => event.type), ['prompt', 'finish']);
    const finish = finishOf(events);
    assert.deepEqual([finish.reason, finish.usage.outputTokens, finish.state && tokenCount(finish.state)], ['stop', 0, 2]);
    const next = await collect(engine.generate(request([], { continueFrom: finish.state as GenerationState })));
    assert.equal(finishOf(next).reason, 'stop');
  });

  void it('rejects a state it did not produce, before the first event', () => {
    const engine = new ScriptedEngine({ models: ['scripted', 'other'] });
    const foreign: GenerationState = { engine: 'llama', model: 'scripted', data: {} };
    assert.throws(() => engine.generate(request([], { continueFrom: foreign })), /did not produce/);
    const wrongModel: GenerationState = { engine: 'scripted', model: 'other', data: { kind: 'scripted', conversation: [], tokenCount: 0 } };
    assert.throws(() => engine.generate(request([], { continueFrom: wrongModel })), /did not produce/);
  });
});

void describe('ScriptedEngine prediction', () => {
  void it('counts prediction chunks the output used as accepted and the rest as rejected', async () => {
    const engine = new ScriptedEngine({ script: () => [{ type: 'text', text: 'let total = add(a, b);' }] });
    const finish = finishOf(await collect(engine.generate(request([{ type: 'user', text: 'rename' }], { prediction: 'let sum = add(a, b);' }))));
    // "let", "=", "add(a," and "b);" are found in order; "sum" is not in the output.
    assert.equal(finish.usage.acceptedPredictionTokens, 4);
    assert.equal(finish.usage.rejectedPredictionTokens, 1);
  });

  void it('reports no prediction counts without a prediction', async () => {
    const engine = new ScriptedEngine();
    const finish = finishOf(await collect(engine.generate(request([{ type: 'user', text: 'hi' }]))));
    assert.equal(finish.usage.acceptedPredictionTokens, undefined);
  });
});

void describe('ScriptedEngine as an upstream would behave', () => {
  void it('streams reasoning deltas and keeps the reasoning as a conversation item of its state', async () => {
    const engine = new ScriptedEngine({ script: () => [{ type: 'reasoning', text: 'Need ls.', encryptedContent: 'opaque' }, { type: 'text', text: 'Listing.' }] });
    const events = await collect(engine.generate(request([{ type: 'user', text: 'list' }])));
    assert.deepEqual(events.filter((event) => event.type === 'reasoning-delta'), [
      { type: 'reasoning-delta', delta: 'Need' }, { type: 'reasoning-delta', delta: ' ls.', encryptedContent: 'opaque' },
    ]);
    const finish = finishOf(events);
    assert.deepEqual([finish.usage.outputTokens, finish.usage.reasoningTokens], [3, 2]);
    assert.deepEqual((finish.state?.data as { conversation: ConversationItem[] }).conversation.slice(1), [
      { type: 'reasoning', text: 'Need ls.', encryptedContent: 'opaque' }, { type: 'assistant', text: 'Listing.' },
    ]);
  });

  void it('without continuation: finishes with no state and refuses continueFrom', async () => {
    const engine = new ScriptedEngine({ continuation: false });
    const finish = finishOf(await collect(engine.generate(request([{ type: 'user', text: 'hi' }]))));
    assert.equal(finish.state, undefined);
    const state: GenerationState = { engine: 'scripted', model: 'scripted', data: { kind: 'scripted', conversation: [], tokenCount: 0 } };
    assert.throws(() => engine.generate(request([], { continueFrom: state })), (error: unknown) => EngineError.is(error) && error.code === 'invalid_request');
  });

  void it('fails with a retry hint before any event when the script starts with an error, mid-stream otherwise', async () => {
    const refusing = new ScriptedEngine({ script: () => [{ type: 'error', code: 'overloaded', message: 'busy upstream', retryAfterMs: 2500 }] });
    const iterator = refusing.generate(request([{ type: 'user', text: 'x' }]))[Symbol.asyncIterator]();
    await assert.rejects(iterator.next(), (error: unknown) => EngineError.is(error) && error.code === 'overloaded' && error.retryAfterMs === 2500);
    assert.equal(refusing.stats().activeSequences, 0);

    const failing = new ScriptedEngine({ script: () => [{ type: 'text', text: 'partial' }, { type: 'error', code: 'internal', message: 'upstream gone' }] });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const event of failing.generate(request([{ type: 'user', text: 'x' }]))) seen.push(event.type);
    }, (error: unknown) => EngineError.is(error) && error.code === 'internal' && error.retryAfterMs === undefined);
    assert.deepEqual(seen, ['prompt', 'text-delta']);
    assert.equal(failing.stats().activeSequences, 0);
  });

  void it('puts metadata steps on finish, merged per engine name, and leaves timings out when told to', async () => {
    const engine = new ScriptedEngine({
      timings: false,
      script: () => [{ type: 'metadata', metadata: { upstream: { id: 'a' } } }, { type: 'text', text: 'ok' }, { type: 'metadata', metadata: { upstream: { ms: 3 } } }],
    });
    const finish = finishOf(await collect(engine.generate(request([{ type: 'user', text: 'x' }]))));
    assert.deepEqual(finish.metadata, { upstream: { id: 'a', ms: 3 } });
    assert.equal(finish.timings, undefined);
    const plain = finishOf(await collect(new ScriptedEngine().generate(request([{ type: 'user', text: 'x' }]))));
    assert.equal(plain.metadata, undefined);
    assert.ok(plain.timings);
  });
});
