import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConversationItem, EngineEvent, GenerateRequest, GenerationState } from './engine-types.js';
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

function finishOf(events: EngineEvent[]): Extract<EngineEvent, { type: 'finish' }> {
  const finish = events.at(-1);
  assert.equal(finish?.type, 'finish');
  if (finish?.type !== 'finish') throw new Error('unreachable');
  return finish;
}

void describe('ScriptedEngine continuation', () => {
  void it('reports a state covering the whole conversation, output included', async () => {
    const engine = new ScriptedEngine();
    assert.equal(engine.supportsContinuation, true);
    const finish = finishOf(await collect(engine.generate(request([{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'hi there' }]))));
    const state = finish.state;
    assert.ok(state);
    assert.deepEqual([state.engine, state.model], ['scripted', 'scripted']);
    assert.deepEqual((state.data as { conversation: unknown }).conversation, [
      { type: 'system', text: 'Be brief.' }, { type: 'user', text: 'hi there' }, { type: 'assistant', text: 'You said: hi there' },
    ]);
    // Be brief. hi there You said: hi there -> 8 whitespace tokens.
    assert.equal(state.tokens.length, 8);
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
    assert.equal(engine.stats().kvReuseHits, 1);
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
    assert.deepEqual([finish.reason, finish.usage.outputTokens, finish.state?.tokens.length], ['stop', 0, 2]);
    const next = await collect(engine.generate(request([], { continueFrom: finish.state as GenerationState })));
    assert.equal(finishOf(next).reason, 'stop');
  });

  void it('rejects a state it did not produce, before the first event', () => {
    const engine = new ScriptedEngine({ models: ['scripted', 'other'] });
    const foreign: GenerationState = { engine: 'llama', model: 'scripted', tokens: [1], data: {} };
    assert.throws(() => engine.generate(request([], { continueFrom: foreign })), /did not produce/);
    const wrongModel: GenerationState = { engine: 'scripted', model: 'other', tokens: [], data: { kind: 'scripted', conversation: [] } };
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
