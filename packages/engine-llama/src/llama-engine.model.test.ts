// The embedded engine on a real GGUF (SmolLM2 by default): streaming, limits, abort, KV reuse,
// grammar-constrained tool calls and structured output, concurrency and back-pressure.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineError, type ConversationItem, type GenerateRequest, type ToolSpec } from '@spark/engine';
import { engineBuildStatus } from './engine-build/engine-build.js';
import type { LlamaEngineEvent } from './llama-engine-event.js';
import { LlamaEngine } from './llama-engine.js';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL = 'test-model';
const CONTEXT_SIZE = 2048;

const weatherTool: ToolSpec = {
  kind: 'function', name: 'get_weather', description: 'Get the current weather for a city', strict: true,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer' } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
};
const timeTool: ToolSpec = {
  kind: 'function', name: 'get_time', description: 'Get the current time in a timezone', strict: true,
  parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};

function request(conversation: ConversationItem[] | string, extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: MODEL,
    conversation: typeof conversation === 'string' ? [{ type: 'user', text: conversation }] : conversation,
    tools: [],
    toolChoice: { type: 'auto' },
    parallelToolCalls: false,
    outputFormat: { type: 'text' },
    sampling: { temperature: 0 },
    signal: new AbortController().signal,
    maxOutputTokens: 24,
    ...extra,
  };
}

async function collect(events: AsyncIterable<LlamaEngineEvent>): Promise<LlamaEngineEvent[]> {
  const out: LlamaEngineEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const text = (events: readonly LlamaEngineEvent[]): string => events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
function finishOf(events: readonly LlamaEngineEvent[]): Extract<LlamaEngineEvent, { type: 'finish' }> {
  const last = events.at(-1);
  assert.ok(last?.type === 'finish', 'the last event is finish');
  assert.equal(events.filter((event) => event.type === 'finish').length, 1, 'exactly one finish');
  return last;
}
function events<T extends LlamaEngineEvent['type']>(all: readonly LlamaEngineEvent[], type: T): Array<Extract<LlamaEngineEvent, { type: T }>> {
  return all.filter((event): event is Extract<LlamaEngineEvent, { type: T }> => event.type === type);
}
async function nextEvent(iterator: AsyncIterator<LlamaEngineEvent>): Promise<LlamaEngineEvent | undefined> {
  const result = await iterator.next();
  return result.done === true ? undefined : result.value;
}
function calls(events: readonly LlamaEngineEvent[]): Array<{ name: string; arguments: string; deltas: string }> {
  return events.flatMap((event) => {
    if (event.type !== 'tool-call-start') return [];
    const end = events.find((other) => other.type === 'tool-call-end' && other.callId === event.callId);
    assert.ok(end?.type === 'tool-call-end', 'every started call ends');
    const deltas = events.map((other) => (other.type === 'tool-call-delta' && other.callId === event.callId ? other.delta : '')).join('');
    return [{ name: event.name, arguments: end.arguments, deltas }];
  });
}
function assertWeatherArguments(args: string): void {
  const parsed = JSON.parse(args) as Record<string, unknown>;
  assert.equal(typeof parsed['city'], 'string');
  assert.ok(parsed['unit'] === 'celsius' || parsed['unit'] === 'fahrenheit', `unit: ${String(parsed['unit'])}`);
  if ('days' in parsed) assert.ok(Number.isInteger(parsed['days']));
  assert.deepEqual(Object.keys(parsed).filter((key) => !['city', 'unit', 'days'].includes(key)), []);
}
/** `run`'s promise, or the first event of the stream it returns (where engines reject bad requests), must fail with `code`. */
async function rejectsWith(code: string, run: () => unknown): Promise<EngineError> {
  try {
    const result = await run();
    if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) await (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().next();
  } catch (error) {
    assert.ok(EngineError.is(error), `expected an EngineError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected EngineError ${code}`);
}

describe('LlamaEngine on a real model', () => {
  let engine: LlamaEngine;

  before(async () => {
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: MODEL_PATH }], contextSize: CONTEXT_SIZE, sequences: 2, maxQueuedRequests: 1 });
  });

  after(async () => {
    await engine.dispose();
  });

  it('runs on the local build for this machine when one is installed or cached, decoding on all threads', async () => {
    const status = await engineBuildStatus();
    const threads = engine.threadCounts;
    if (status.installed || status.cached) {
      assert.equal(engine.buildType, 'localBuild', engine.build);
      assert.match(engine.build, /OPENMP = 1/);
      assert.equal(threads.decode, threads.prefill);
    } else {
      assert.equal(engine.buildType, 'prebuilt', engine.build);
      assert.equal(threads.decode, Math.max(1, Math.floor(threads.prefill / 2)));
    }
  });

  it('lists the model', () => {
    const [info] = engine.listModels();
    assert.equal(info?.id, MODEL);
    assert.equal(info.contextSize, CONTEXT_SIZE);
    assert.equal(info.ownedBy, 'spark');
    assert.ok(info.createdAt > 0);
  });

  it('streams text: prompt first, deltas, one finish with usage and timings', async (t) => {
    const events = await collect(engine.generate(request('What is the capital of France? Answer in one sentence.', { maxOutputTokens: 48 })));
    const prompt = events[0];
    assert.equal(prompt?.type, 'prompt');
    const finish = finishOf(events);
    assert.ok(['stop', 'length'].includes(finish.reason));
    assert.ok(text(events).length > 0);
    assert.equal(finish.usage.inputTokens, prompt.inputTokens);
    assert.equal(finish.usage.cachedInputTokens, prompt.cachedInputTokens);
    assert.ok(finish.usage.outputTokens >= events.filter((event) => event.type === 'text-delta').length);
    assert.equal(finish.timings.prefillTokens, finish.usage.inputTokens - finish.usage.cachedInputTokens);
    assert.equal(finish.timings.decodeTokens, finish.usage.outputTokens - 1);
    assert.ok(finish.timings.prefillMs > 0 && finish.timings.decodeMs > 0 && finish.timings.decodeTokensPerSecond > 0);
    t.diagnostic(`prefill ${finish.timings.prefillTokens} tok in ${finish.timings.prefillMs.toFixed(0)} ms; decode ${finish.timings.decodeTokensPerSecond.toFixed(1)} tok/s; "${text(events)}"`);
  });

  it('stops at max_output_tokens with reason length', async () => {
    const events = await collect(engine.generate(request('Write a long story about a dragon.', { maxOutputTokens: 5 })));
    const finish = finishOf(events);
    assert.equal(finish.reason, 'length');
    assert.equal(finish.usage.outputTokens, 5);
  });

  it('stops within one token of an abort, and the engine keeps serving', async () => {
    const controller = new AbortController();
    let afterAbort = 0;
    let deltas = 0;
    const events: LlamaEngineEvent[] = [];
    for await (const event of engine.generate(request('Count from 1 to 200, one number per line.', { maxOutputTokens: 300, signal: controller.signal }))) {
      events.push(event);
      if (event.type !== 'text-delta') continue;
      if (controller.signal.aborted) afterAbort += 1;
      deltas += 1;
      if (deltas === 3) controller.abort();
    }
    assert.ok(afterAbort <= 1, `tokens after abort: ${afterAbort}`);
    const finish = finishOf(events);
    assert.equal(finish.reason, 'aborted');
    assert.ok(finish.usage.outputTokens <= 4);
    assert.equal(engine.stats().activeSequences, 0);
    const next = finishOf(await collect(engine.generate(request('Say hi.', { maxOutputTokens: 4 }))));
    assert.ok(['stop', 'length'].includes(next.reason));
  });

  it('aborts between prefill chunks', async () => {
    const controller = new AbortController();
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(150);
    const events: LlamaEngineEvent[] = [];
    let timer: NodeJS.Timeout | undefined;
    for await (const event of engine.generate(request(long, { signal: controller.signal }))) {
      events.push(event);
      // ~1500 prompt tokens take seconds here; abort while they are being evaluated.
      if (event.type === 'prompt') timer = setTimeout(() => controller.abort(), 50);
    }
    clearTimeout(timer);
    const finish = finishOf(events);
    assert.equal(finish.reason, 'aborted');
    assert.equal(finish.usage.outputTokens, 0);
    const next = finishOf(await collect(engine.generate(request('Say hi.', { maxOutputTokens: 4 }))));
    assert.ok(['stop', 'length'].includes(next.reason));
  });

  it('releases the sequence when the consumer stops iterating early', async () => {
    let deltas = 0;
    for await (const event of engine.generate(request('Count from 1 to 100.', { maxOutputTokens: 100 }))) {
      if (event.type === 'text-delta' && ++deltas === 2) break;
    }
    assert.equal(engine.stats().activeSequences, 0);
    // Both sequences are still usable at once.
    const results = await Promise.all([collect(engine.generate(request('Hi', { maxOutputTokens: 3 }))), collect(engine.generate(request('Hello', { maxOutputTokens: 3 })))]);
    for (const events of results) finishOf(events);
  });

  it('reuses the KV prefix of a re-sent history', async (t) => {
    const system = `You are a helpful assistant for a hardware store. ${'Answer politely and briefly, and never invent prices. '.repeat(12)}`;
    const first: ConversationItem[] = [{ type: 'system', text: system }, { type: 'user', text: 'Do you sell hammers?' }];
    const hitsBefore = engine.stats().prefixCache.hits;
    const firstEvents = await collect(engine.generate(request(first, { maxOutputTokens: 16 })));
    const firstFinish = finishOf(firstEvents);
    const second: ConversationItem[] = [...first, { type: 'assistant', text: text(firstEvents) }, { type: 'user', text: 'And nails?' }];
    const secondFinish = finishOf(await collect(engine.generate(request(second, { maxOutputTokens: 8 }))));
    assert.ok(secondFinish.usage.cachedInputTokens >= firstFinish.usage.inputTokens,
      `cached ${secondFinish.usage.cachedInputTokens} of the first prompt's ${firstFinish.usage.inputTokens}`);
    assert.equal(secondFinish.timings.prefillTokens, secondFinish.usage.inputTokens - secondFinish.usage.cachedInputTokens);
    assert.ok(secondFinish.timings.prefillTokens < firstFinish.timings.prefillTokens);
    assert.equal(engine.stats().prefixCache.hits, hitsBefore + 1);
    t.diagnostic(`first: ${firstFinish.usage.inputTokens} prompt + ${firstFinish.usage.outputTokens} output tokens, prefill ${firstFinish.timings.prefillMs.toFixed(0)} ms; `
      + `second: ${secondFinish.usage.cachedInputTokens}/${secondFinish.usage.inputTokens} cached, prefill ${secondFinish.timings.prefillMs.toFixed(0)} ms`);
  });

  it('forces a call with tool_choice required; arguments parse and satisfy the schema', async () => {
    const events = await collect(engine.generate(request('What is the weather in Paris?', { tools: [weatherTool, timeTool], toolChoice: { type: 'required' }, maxOutputTokens: 64 })));
    const made = calls(events);
    assert.equal(made.length, 1);
    assert.equal(finishOf(events).reason, 'tool_calls');
    const call = made[0];
    assert.ok(call && ['get_weather', 'get_time'].includes(call.name));
    assert.equal(call.deltas, call.arguments);
    if (call.name === 'get_weather') assertWeatherArguments(call.arguments);
    else assert.equal(typeof (JSON.parse(call.arguments) as Record<string, unknown>)['timezone'], 'string');
    assert.equal(text(events), '');
  });

  it('forces the named tool', async () => {
    const events = await collect(engine.generate(request('Tell me a joke.', { tools: [timeTool, weatherTool], toolChoice: { type: 'named', name: 'get_weather' }, maxOutputTokens: 64 })));
    const made = calls(events);
    assert.equal(made.length, 1);
    assert.equal(made[0]?.name, 'get_weather');
    assertWeatherArguments(made[0]?.arguments ?? '');
    const start = events.find((event) => event.type === 'tool-call-start');
    assert.ok(start?.type === 'tool-call-start' && /^call_[\w-]+$/.test(start.callId) && start.kind === 'function');
  });

  it('detects a call the model opens by itself (tool_choice auto)', async () => {
    // One worked example in the history is enough for the small model to use the call syntax.
    const conversation: ConversationItem[] = [
      { type: 'user', text: 'What is the weather in Berlin?' },
      { type: 'tool_call', callId: 'call_1', name: 'get_weather', arguments: '{"city": "Berlin", "unit": "celsius"}', kind: 'function' },
      { type: 'tool_result', callId: 'call_1', output: '{"sky": "sunny"}' },
      { type: 'assistant', text: 'It is sunny in Berlin.' },
      { type: 'user', text: 'What is the weather in Paris?' },
    ];
    const events = await collect(engine.generate(request(conversation, { tools: [weatherTool], maxOutputTokens: 48 })));
    const made = calls(events);
    assert.equal(made.length, 1);
    assert.equal(made[0]?.name, 'get_weather');
    assertWeatherArguments(made[0]?.arguments ?? '');
    assert.equal(finishOf(events).reason, 'tool_calls');
    assert.doesNotMatch(text(events), /\|\|/, 'the call syntax never leaks into text');
  });

  it('reuses the KV cache across a call and its result', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'What is the weather in Lisbon?' }];
    const first = await collect(engine.generate(request(conversation, { tools: [weatherTool], toolChoice: { type: 'required' }, maxOutputTokens: 48 })));
    const call = events(first, 'tool-call-end')[0];
    assert.ok(call);
    const followUp: ConversationItem[] = [
      ...conversation,
      { type: 'tool_call', callId: call.callId, name: 'get_weather', arguments: call.arguments, kind: 'function' },
      { type: 'tool_result', callId: call.callId, output: '{"sky": "cloudy", "temperature": 17}' },
    ];
    const second = finishOf(await collect(engine.generate(request(followUp, { tools: [weatherTool], maxOutputTokens: 8 }))));
    assert.ok(second.usage.cachedInputTokens >= finishOf(first).usage.inputTokens,
      `cached ${second.usage.cachedInputTokens}, first prompt ${finishOf(first).usage.inputTokens}`);
  });

  it('calls a custom tool with its raw input as arguments', async () => {
    const patchTool: ToolSpec = { kind: 'custom', name: 'apply_patch', description: 'Apply a patch to the repository' };
    const all = await collect(engine.generate(request('Fix the typo "teh" in README.md.', { tools: [patchTool], toolChoice: { type: 'named', name: 'apply_patch' }, maxOutputTokens: 64 })));
    const start = events(all, 'tool-call-start')[0];
    assert.equal(start?.kind, 'custom');
    const made = calls(all);
    assert.equal(made.length, 1);
    assert.equal(made[0]?.deltas, made[0]?.arguments);
  });

  it('makes no call with tool_choice none', async () => {
    const events = await collect(engine.generate(request('What is the weather in Paris? Use get_weather.', { tools: [weatherTool], toolChoice: { type: 'none' }, maxOutputTokens: 32 })));
    assert.equal(calls(events).length, 0);
    assert.notEqual(finishOf(events).reason, 'tool_calls');
  });

  it('makes at most one call without parallel tool calls, valid ones with them', async () => {
    const prompt = 'What is the weather in Paris and in Rome?';
    const single = await collect(engine.generate(request(prompt, { tools: [weatherTool], toolChoice: { type: 'required' }, parallelToolCalls: false, maxOutputTokens: 96 })));
    assert.equal(calls(single).length, 1);
    const parallel = await collect(engine.generate(request(prompt, { tools: [weatherTool], toolChoice: { type: 'required' }, parallelToolCalls: true, maxOutputTokens: 96 })));
    const made = calls(parallel);
    assert.ok(made.length >= 1);
    // A call cut off by the token limit ends with its partial arguments; all others are complete.
    const complete = finishOf(parallel).reason === 'length' ? made.slice(0, -1) : made;
    for (const call of complete) assertWeatherArguments(call.arguments);
    assert.equal(text(parallel), '');
  });

  it('continues after a function call and its output in the history', async () => {
    const conversation: ConversationItem[] = [
      { type: 'user', text: 'What is the weather in Paris?' },
      { type: 'tool_call', callId: 'call_abc', name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}', kind: 'function' },
      { type: 'tool_result', callId: 'call_abc', output: '{"temperature": 21, "sky": "sunny"}' },
    ];
    const events = await collect(engine.generate(request(conversation, { tools: [weatherTool], maxOutputTokens: 24 })));
    const finish = finishOf(events);
    assert.ok(finish.usage.outputTokens > 0);
    assert.ok(['stop', 'length', 'tool_calls'].includes(finish.reason));
  });

  it('constrains output to a json_schema', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' }, maxItems: 3 } },
      required: ['name', 'age', 'tags'],
      additionalProperties: false,
    };
    const events = await collect(engine.generate(request('Describe a person as JSON.', { outputFormat: { type: 'json_schema', schema, strict: true }, maxOutputTokens: 96 })));
    assert.equal(finishOf(events).reason, 'stop');
    const value = JSON.parse(text(events)) as Record<string, unknown>;
    assert.equal(typeof value['name'], 'string');
    assert.ok(Number.isInteger(value['age']));
    assert.ok(Array.isArray(value['tags']) && value['tags'].every((tag) => typeof tag === 'string'));
    assert.deepEqual(Object.keys(value).sort(), ['age', 'name', 'tags']);
  });

  it('constrains output to a JSON object', async () => {
    const events = await collect(engine.generate(request('Reply with a JSON object that has a "name" key.', { outputFormat: { type: 'json_object' }, maxOutputTokens: 96 })));
    assert.equal(finishOf(events).reason, 'stop');
    const value = JSON.parse(text(events)) as unknown;
    assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
  });

  it('rejects bad requests before any event', async () => {
    const overflow = await rejectsWith('context_length_exceeded', () => engine.generate(request('word '.repeat(CONTEXT_SIZE + 100))));
    assert.match(overflow.message, new RegExp(`${CONTEXT_SIZE}`));
    assert.match(overflow.message, /\d{4} tokens/);
    await rejectsWith('model_not_found', () => engine.generate(request('hi', { model: 'nope' })));
    await rejectsWith('invalid_request', () => engine.generate(request('hi', { outputFormat: { type: 'json_schema', schema: { type: 'tuple' }, strict: true } })));
    await rejectsWith('invalid_request', () => engine.generate(request('hi', { tools: [weatherTool], toolChoice: { type: 'named', name: 'missing' } })));
    assert.equal(engine.stats().activeSequences, 0);
  });

  it('runs two generations concurrently on two sequences', async () => {
    let peak = 0;
    const run = async (prompt: string): Promise<LlamaEngineEvent[]> => {
      const out: LlamaEngineEvent[] = [];
      for await (const event of engine.generate(request(prompt, { maxOutputTokens: 12 }))) {
        peak = Math.max(peak, engine.stats().activeSequences);
        out.push(event);
      }
      return out;
    };
    const [a, b] = await Promise.all([run('Name a fruit.'), run('Name a color.')]);
    assert.ok(a && b);
    assert.ok(text(a).length > 0 && text(b).length > 0);
    finishOf(a);
    finishOf(b);
    assert.equal(peak, 2);
  });

  it('queues when all sequences are busy and refuses beyond the queue limit', async () => {
    const holders = [engine.generate(request('One', { maxOutputTokens: 50 }))[Symbol.asyncIterator](), engine.generate(request('Two', { maxOutputTokens: 50 }))[Symbol.asyncIterator]()];
    for (const holder of holders) assert.equal((await nextEvent(holder))?.type, 'prompt');
    assert.equal(engine.stats().activeSequences, 2);

    const queuedAbort = new AbortController();
    const queued = engine.generate(request('Three', { signal: queuedAbort.signal }))[Symbol.asyncIterator]();
    const queuedFirst = nextEvent(queued);
    await rejectsWith('overloaded', () => nextEvent(engine.generate(request('Four'))[Symbol.asyncIterator]()));

    // A queued request that is aborted ends quietly.
    queuedAbort.abort();
    assert.equal((await queuedFirst)?.type, 'prompt');
    const finish = await nextEvent(queued);
    assert.ok(finish?.type === 'finish' && finish.reason === 'aborted');
    for (const holder of holders) await holder.return?.();
    assert.equal(engine.stats().activeSequences, 0);
  });
});

describe('repetition penalties on SmolLM2', () => {
  const text = (events: LlamaEngineEvent[]): string => events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
  const copies = (output: string): number => output.split('cat sat on the mat').length - 1;

  it('change what greedy decoding repeats, and turn speculation off', async (t) => {
    const prompt = request('Write the sentence "The cat sat on the mat." ten times, one per line.', { maxOutputTokens: 120 });
    const plain = await LlamaEngine.create({ models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 2048, sequences: 1 });
    let baseline: string;
    try {
      baseline = text(await collect(plain.generate(prompt)));
    } finally {
      await plain.dispose();
    }
    const penalized = await LlamaEngine.create({
      models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 2048, sequences: 1,
      repeatPenalty: { penalty: 1.5, lastTokens: 128 }, dryRepeatPenalty: { strength: 0.8 },
    });
    try {
      const events = await collect(penalized.generate({ ...prompt, prediction: baseline }));
      const output = text(events);
      const finish = events.at(-1);
      assert.ok(finish?.type === 'finish');
      // A prediction would be drafted and verified if this generation speculated.
      assert.equal(finish.usage.acceptedPredictionTokens ?? 0, 0);
      assert.notEqual(output, baseline);
      t.diagnostic(`"cat sat on the mat": ${copies(baseline)} times plain, ${copies(output)} penalized; ${JSON.stringify(baseline.slice(0, 80))} vs ${JSON.stringify(output.slice(0, 80))}`);
      assert.ok(copies(output) < copies(baseline), 'the penalized output repeats the sentence less');
    } finally {
      await penalized.dispose();
    }
  });
});
