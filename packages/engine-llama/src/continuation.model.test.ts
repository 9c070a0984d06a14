// Continuations on a real GGUF (SmolLM2 by default): a state from `finish` extends with only the
// new items' tokens, equal to what rendering the whole conversation produces; warm-ups start the
// next turn hot; a fork of a busy sequence copies its KV instead of prefilling it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineError, type ConversationItem, type GenerateRequest, type GenerationState, type ToolSpec } from '@spark/engine';
import type { KvCopy } from './copy-sequence-prefix.js';
import type { LlamaEngineEvent, LlamaGenerationState } from './llama-engine-event.js';
import { LlamaEngine } from './llama-engine.js';
import { MIN_KV_COPY_TOKENS } from './pick-sequence-slot.js';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL = 'test-model';
// Long enough that a fork's copy is worth it (MIN_KV_COPY_TOKENS).
const SYSTEM = `You are a helpful assistant for a hardware store. ${'Answer politely and briefly, and never invent prices or stock levels. '.repeat(24)}`;

const weatherTool: ToolSpec = {
  kind: 'function', name: 'get_weather', description: 'Get the current weather for a city', strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};

type Finish = Extract<LlamaEngineEvent, { type: 'finish' }>;
interface Run {
  events: LlamaEngineEvent[];
  prompt: Extract<LlamaEngineEvent, { type: 'prompt' }>;
  finish: Finish;
  state: LlamaGenerationState;
  /** The output as a client records it. */
  items: ConversationItem[];
}

function request(conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: MODEL, conversation, tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: false, outputFormat: { type: 'text' },
    sampling: { temperature: 0 }, signal: new AbortController().signal, maxOutputTokens: 16, ...extra,
  };
}

function summarize(events: LlamaEngineEvent[]): Run {
  const prompt = events[0];
  const finish = events.at(-1);
  assert.ok(prompt?.type === 'prompt' && finish?.type === 'finish');
  assert.ok(finish.state, `finish (${finish.reason}) carries a state`);
  const items: ConversationItem[] = [];
  const text = events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
  if (text !== '') items.push({ type: 'assistant', text });
  for (const event of events) {
    if (event.type !== 'tool-call-start') continue;
    const end = events.find((other) => other.type === 'tool-call-end' && other.callId === event.callId);
    assert.ok(end?.type === 'tool-call-end');
    items.push({ type: 'tool_call', callId: event.callId, name: event.name, arguments: end.arguments, kind: event.kind });
  }
  return { events, prompt, finish, state: finish.state, items };
}

async function run(engine: LlamaEngine, req: GenerateRequest, onEvent?: (event: LlamaEngineEvent) => void): Promise<Run> {
  const events: LlamaEngineEvent[] = [];
  for await (const event of engine.generate(req)) {
    events.push(event);
    onEvent?.(event);
  }
  return summarize(events);
}

function assertStartsWith(tokens: readonly number[], prefix: readonly number[], what: string): void {
  assert.ok(tokens.length >= prefix.length, `${what}: ${tokens.length} tokens, prefix ${prefix.length}`);
  const at = prefix.findIndex((token, index) => tokens[index] !== token);
  assert.equal(at, -1, `${what}: differs at token ${at} of ${prefix.length}`);
}

describe('LlamaEngine continuations on a real model', () => {
  let engine: LlamaEngine;
  const copies: KvCopy[] = [];

  before(async () => {
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 2048, sequences: 2, onKvCopy: (copy) => copies.push(copy) });
  });

  after(async () => {
    await engine.dispose();
  });

  /**
   * Continues `first` with `added` (maxOutputTokens 1: the state then holds exactly the prompt)
   * and renders the same conversation from scratch; returns both prompts' tokens.
   */
  async function continueAndRender(conversation: ConversationItem[], first: Run, added: ConversationItem[], extra: Partial<GenerateRequest> = {}) {
    const continued = await run(engine, request(added, { ...extra, continueFrom: first.state, maxOutputTokens: 1 }));
    const fresh = await run(engine, request([...conversation, ...first.items, ...added], { ...extra, maxOutputTokens: 1 }));
    assert.equal(continued.state.data.tokens.length, continued.prompt.inputTokens, 'a one-token generation leaves exactly its prompt');
    assert.equal(fresh.state.data.tokens.length, fresh.prompt.inputTokens);
    return { continued, fresh };
  }

  it('after a text answer and a new user message: state tokens, then only the new ones; equal to a full render', async (t) => {
    const conversation: ConversationItem[] = [{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'What is the capital of France?' }];
    const first = await run(engine, request(conversation, { maxOutputTokens: 24 }));
    assert.ok(first.items.length === 1 && first.finish.usage.outputTokens > 0);
    assert.ok(first.state.data.tokens.length > first.prompt.inputTokens, 'the output is part of the state');
    const added: ConversationItem[] = [{ type: 'user', text: 'And of Italy?' }];
    const { continued, fresh } = await continueAndRender(conversation, first, added);
    assertStartsWith(continued.state.data.tokens, first.state.data.tokens, 'continuation');
    assert.deepEqual(continued.state.data.tokens, fresh.state.data.tokens, 'the continuation tokenizes like the full render');
    // Its KV is still in the sequence: only the new tokens are prefilled.
    assert.equal(continued.prompt.cachedInputTokens, first.state.data.tokens.length);
    assert.equal(continued.finish.timings.prefillTokens, continued.prompt.inputTokens - first.state.data.tokens.length);
    t.diagnostic(`${first.finish.reason}: state ${first.state.data.tokens.length} tokens; continuation ${continued.prompt.inputTokens} tokens, ${continued.prompt.cachedInputTokens} cached`);
  });

  it('after a forced tool call and its result', async (t) => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'What is the weather in Paris?' }];
    const tools = [weatherTool];
    const first = await run(engine, request(conversation, { tools, toolChoice: { type: 'required' }, maxOutputTokens: 48 }));
    assert.equal(first.finish.reason, 'tool_calls');
    const call = first.items.find((item) => item.type === 'tool_call');
    assert.ok(call?.type === 'tool_call');
    const added: ConversationItem[] = [{ type: 'tool_result', callId: call.callId, output: '{"sky": "sunny", "temperature": 21}' }];
    const { continued, fresh } = await continueAndRender(conversation, first, added, { tools });
    assertStartsWith(continued.state.data.tokens, first.state.data.tokens, 'continuation');
    assert.equal(continued.prompt.cachedInputTokens, first.state.data.tokens.length);
    // The model's own tokens stay as sampled; a fresh render may split the arguments' text
    // differently, but it is the same text, and the history before the call is identical.
    assertStartsWith(fresh.state.data.tokens, first.state.data.tokens.slice(0, first.prompt.inputTokens), 'full render');
    const equal = continued.state.data.tokens.join() === fresh.state.data.tokens.join();
    t.diagnostic(`call ${call.arguments}; state ${first.state.data.tokens.length}, continuation ${continued.prompt.inputTokens}, full render ${fresh.prompt.inputTokens}, equal: ${equal}`);
  });

  it('after an aborted answer (partial output kept) and a steering message', async (t) => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Count from 1 to 50, one number per line.' }];
    const controller = new AbortController();
    let deltas = 0;
    const first = await run(engine, request(conversation, { signal: controller.signal, maxOutputTokens: 200 }), (event) => {
      if (event.type === 'text-delta' && ++deltas === 6) controller.abort();
    });
    assert.equal(first.finish.reason, 'aborted');
    assert.ok(first.items[0]?.type === 'assistant' && first.items[0].text.length > 0, 'partial text');
    assert.ok(first.state.data.tokens.length > first.prompt.inputTokens, 'the partial output is part of the state');
    const added: ConversationItem[] = [{ type: 'user', text: 'Stop. Count backwards from 5 instead.' }];
    const { continued, fresh } = await continueAndRender(conversation, first, added);
    assertStartsWith(continued.state.data.tokens, first.state.data.tokens, 'continuation');
    assert.deepEqual(continued.state.data.tokens, fresh.state.data.tokens);
    assert.equal(continued.prompt.cachedInputTokens, first.state.data.tokens.length);
    t.diagnostic(`partial "${JSON.stringify(first.items[0])}"; state ${first.state.data.tokens.length}, new ${continued.prompt.inputTokens - first.state.data.tokens.length}`);
  });

  it('continues a continuation, and continues with no new items ("generate now")', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Name a fruit.' }];
    const first = await run(engine, request(conversation, { maxOutputTokens: 6 }));
    const second = await run(engine, request([{ type: 'user', text: 'Another one.' }], { continueFrom: first.state, maxOutputTokens: 6 }));
    assertStartsWith(second.state.data.tokens, first.state.data.tokens, 'second');
    const third = await run(engine, request([{ type: 'user', text: 'And a vegetable?' }], { continueFrom: second.state, maxOutputTokens: 6 }));
    assertStartsWith(third.state.data.tokens, second.state.data.tokens, 'third');
    assert.equal(third.prompt.cachedInputTokens, second.state.data.tokens.length);
    assert.ok(third.finish.usage.outputTokens > 0);
    // No new items: the model answers again, after its own last turn.
    const again = await run(engine, request([], { continueFrom: third.state, maxOutputTokens: 6 }));
    assertStartsWith(again.state.data.tokens, third.state.data.tokens, 'again');
    assert.equal(again.prompt.cachedInputTokens, third.state.data.tokens.length);
    assert.ok(again.finish.usage.outputTokens > 0);
  });

  it('warms up with prefillOnly; the next request starts hot, continued or re-sent', async (t) => {
    const system: ConversationItem[] = [{ type: 'system', text: `You help customers of a hardware store. Warm-up ${Date.now()}.` }];
    const warm = await run(engine, request(system, { prefillOnly: true, tools: [weatherTool] }));
    assert.equal(warm.finish.reason, 'stop');
    assert.equal(warm.finish.usage.outputTokens, 0);
    assert.equal(warm.events.length, 2, 'prompt and finish only');
    assert.ok(warm.prompt.cachedInputTokens < 16, 'a new system prompt is prefilled');
    assert.equal(warm.state.data.tokens.length, warm.prompt.inputTokens);
    const user: ConversationItem[] = [{ type: 'user', text: 'Do you sell hammers?' }];
    const continued = await run(engine, request(user, { continueFrom: warm.state, tools: [weatherTool], maxOutputTokens: 6 }));
    assertStartsWith(continued.state.data.tokens, warm.state.data.tokens, 'continuation');
    assert.equal(continued.prompt.cachedInputTokens, warm.state.data.tokens.length);
    assert.ok(continued.finish.usage.outputTokens > 0);
    // Codex's first turn after a warm-up may send no items at all: generate from the warm state.
    const now = await run(engine, request([], { continueFrom: warm.state, tools: [weatherTool], maxOutputTokens: 4 }));
    assert.ok(now.prompt.cachedInputTokens >= warm.state.data.tokens.length - 1, `generate now: ${now.prompt.cachedInputTokens} cached of ${warm.state.data.tokens.length}`);
    assert.ok(now.finish.timings.prefillTokens <= 8, `generate now prefilled ${now.finish.timings.prefillTokens}`);
    // An HTTP client re-sends the history instead; the warm KV prefix serves it too.
    const resent = await run(engine, request([...system, { type: 'user', text: 'Do you sell nails?' }], { tools: [weatherTool], maxOutputTokens: 4 }));
    assert.ok(resent.prompt.cachedInputTokens >= warm.state.data.tokens.length - 1, `re-sent: ${resent.prompt.cachedInputTokens} cached of ${warm.state.data.tokens.length}`);
    t.diagnostic(`warm-up ${warm.prompt.inputTokens} tokens in ${warm.finish.timings.prefillMs.toFixed(0)} ms; continuation ${continued.prompt.cachedInputTokens}/${continued.prompt.inputTokens} cached`);
  });

  it('forks a busy sequence: copies its KV prefix instead of prefilling it', async (t) => {
    const base = await run(engine, request([{ type: 'system', text: `${SYSTEM} Fork ${Date.now()}.` }, { type: 'user', text: 'Hello!' }], { maxOutputTokens: 8 }));
    assert.ok(base.state.data.tokens.length >= MIN_KV_COPY_TOKENS + 16, `a ${base.state.data.tokens.length}-token history`);
    copies.length = 0;
    // Lane A continues the history with a long answer...
    let started: () => void = () => {};
    const laneAStarted = new Promise<void>((resolve) => { started = resolve; });
    const laneA = run(engine, request([{ type: 'user', text: 'List twenty tools we sell, with a sentence about each.' }], { continueFrom: base.state, maxOutputTokens: 64 }), (event) => {
      if (event.type === 'text-delta') started();
    });
    await laneAStarted;
    // ...while lane B forks from the same response.
    const laneB = await run(engine, request([{ type: 'user', text: 'Do you sell paint?' }], { continueFrom: base.state, maxOutputTokens: 12 }));
    const a = await laneA;
    assert.ok(laneB.prompt.cachedInputTokens >= MIN_KV_COPY_TOKENS, `fork cached ${laneB.prompt.cachedInputTokens}`);
    // The copy covers the history and what both new turns begin with (the user turn's header).
    assert.ok(laneB.prompt.cachedInputTokens >= base.state.data.tokens.length, `fork cached ${laneB.prompt.cachedInputTokens} of ${base.state.data.tokens.length}`);
    assert.ok(laneB.finish.usage.outputTokens > 0 && laneB.items.length > 0, 'the fork produced output');
    assert.ok(a.finish.usage.outputTokens > 12, 'lane A kept generating');
    assert.equal(copies.length, 1);
    const copy = copies[0];
    assert.ok(copy);
    assert.equal(copy.tokens, laneB.prompt.cachedInputTokens);
    t.diagnostic(`copied ${copy.tokens} tokens (${copy.method}) in ${copy.ms.toFixed(1)} ms; fork prefill ${laneB.finish.timings.prefillTokens} tokens in ${laneB.finish.timings.prefillMs.toFixed(0)} ms`);
  });

  it('rejects a state from another model or engine', async () => {
    const first = await run(engine, request([{ type: 'user', text: 'Hi' }], { maxOutputTokens: 2 }));
    const rejects = async (state: GenerationState): Promise<void> => {
      await assert.rejects(engine.generate(request([{ type: 'user', text: 'Hi again' }], { continueFrom: state }))[Symbol.asyncIterator]().next(), (error) => {
        assert.ok(EngineError.is(error));
        assert.equal(error.code, 'invalid_request');
        assert.equal(error.param, 'previous_response_id');
        return true;
      });
    };
    await rejects({ ...first.state, model: 'other-model' });
    await rejects({ ...first.state, engine: 'scripted' });
    await rejects({ ...first.state, data: { tokens: [] } });
    assert.equal(engine.stats().activeSequences, 0);
  });
});
