// Foreground before background on a real GGUF (SmolLM2 by default): two background generations
// decode while a foreground one prefills and decodes; the order of the engine's events, recorded
// as one log across the three, shows the scheduling bounds. No wall-clock time is asserted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest, GenerationPriority } from '@spark/engine';
import { LlamaEngine } from './llama-engine.js';
import { resolveModel } from './model-registry/resolve-model.js';

const MODEL = 'test-model';
/** Small chunks make a prefill many batch steps long, so a scheduler that lets the background in shows it. */
const CHUNK_TOKENS = 64;
/** About 1,300 prompt tokens: some 20 chunks. `tag` comes first, so no run reuses another's cached prompt. */
const longPrompt = (tag: string): string => `${tag}: summarise the following notes in one sentence.\n${Array.from({ length: 60 }, (_, i) => `Note ${i}: the build step ${i} compiles module ${i * 7} and links it.`).join('\n')}`;

interface Logged { readonly lane: string; readonly type: 'prompt' | 'token' | 'finish' }

function request(text: string, priority: GenerationPriority, signal: AbortSignal, maxOutputTokens: number): GenerateRequest {
  return {
    model: MODEL, conversation: [{ type: 'user', text }], tools: [], toolChoice: { type: 'none' }, parallelToolCalls: false,
    outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal, maxOutputTokens, priority,
  };
}

/** Runs a generation, appending its events to `log` as they arrive; resolves once `tokens` text deltas came. */
function drive(engine: LlamaEngine, lane: string, req: GenerateRequest, log: Logged[], tokens = 1): { started: Promise<void>; done: Promise<void> } {
  let resolveStarted = (): void => {};
  const started = new Promise<void>((resolve) => { resolveStarted = resolve; });
  const done = (async () => {
    let seen = 0;
    try {
      for await (const event of engine.generate(req)) {
        if (event.type === 'prompt' || event.type === 'finish') log.push({ lane, type: event.type });
        if (event.type !== 'text-delta') continue;
        log.push({ lane, type: 'token' });
        seen += 1;
        if (seen === tokens) resolveStarted();
      }
    } finally {
      resolveStarted();
    }
  })();
  return { started, done };
}

/** Two background generations decoding, then a foreground one; the background is stopped once the foreground finished. */
async function scenario(engine: LlamaEngine, backgroundPriority: GenerationPriority, tag: string): Promise<Logged[]> {
  const log: Logged[] = [];
  const stop = new AbortController();
  const story = 'Write a very long story about a lighthouse keeper. Use many paragraphs.';
  const bg1 = drive(engine, 'bg1', request(story, backgroundPriority, stop.signal, 1500), log, 4);
  const bg2 = drive(engine, 'bg2', request(`${story} Make it sad.`, backgroundPriority, stop.signal, 1500), log, 4);
  await Promise.all([bg1.started, bg2.started]);
  const fg = drive(engine, 'fg', request(longPrompt(tag), 'foreground', new AbortController().signal, 24), log);
  await fg.done;
  stop.abort();
  await Promise.all([bg1.done, bg2.done]);
  return log;
}

/** The foreground's prefill window (after its `prompt`, before its first token) and its decode (first to last token). */
function windows(log: readonly Logged[]): { prefill: Logged[]; gaps: Logged[][] } {
  const prompt = log.findIndex((entry) => entry.lane === 'fg' && entry.type === 'prompt');
  const fgTokens = log.flatMap((entry, index) => (entry.lane === 'fg' && entry.type === 'token' ? [index] : []));
  assert.ok(prompt >= 0 && fgTokens.length >= 8, `the foreground generated (${fgTokens.length} tokens)`);
  const first = fgTokens[0] ?? 0;
  const gaps = fgTokens.slice(1).map((end, i) => log.slice((fgTokens[i] ?? 0) + 1, end));
  return { prefill: log.slice(prompt + 1, first), gaps };
}
const countOf = (entries: readonly Logged[], lane: string): number => entries.filter((entry) => entry.lane === lane && entry.type === 'token').length;

describe('priority on the embedded engine', () => {
  let engine: LlamaEngine;
  before(async () => {
    // The user's model cache, wherever it is (root or not), unless a path is given.
    const path = process.env['SPARK_TEST_MODEL_PATH'] ?? (await resolveModel('smollm2-135m', { pull: true })).path;
    engine = await LlamaEngine.create({
      models: [{ id: MODEL, path }], contextSize: 2048, sequences: 3, threads: 2, decodeThreads: 1,
      prefillChunkTokens: CHUNK_TOKENS, speculation: false, backgroundStepInterval: 2,
    });
  });
  after(async () => { await engine.dispose(); });

  it('keeps the background out of a foreground prefill and to one step per lane between foreground tokens', async () => {
    const log = await scenario(engine, 'background', 'Scheduled');
    const { prefill, gaps } = windows(log);
    // Bound: the one background step per lane already in flight when the prefill began.
    for (const lane of ['bg1', 'bg2']) assert.ok(countOf(prefill, lane) <= 1, `${lane}: ${countOf(prefill, lane)} token(s) during the foreground's prefill`);
    // Bound: background steps join one foreground batch in two, in the same llama_decode, so one
    // lane's token can land just before or just after the foreground's, never twice in one gap.
    gaps.forEach((gap, i) => {
      for (const lane of ['bg1', 'bg2']) assert.ok(countOf(gap, lane) <= 1, `gap ${i}: ${lane} stepped ${countOf(gap, lane)} times between two foreground tokens`);
    });
    // And the background was not starved: it went on decoding beside the foreground.
    const during = gaps.flat();
    assert.ok(countOf(during, 'bg1') + countOf(during, 'bg2') > 0, 'the background decoded while the foreground did');
  });

  it('without priorities (all foreground) the same lanes step all through the prefill: the bound above is the scheduler\'s', async () => {
    const log = await scenario(engine, 'foreground', 'Unscheduled');
    const { prefill } = windows(log);
    const total = countOf(prefill, 'bg1') + countOf(prefill, 'bg2');
    assert.ok(total > 4, `${total} background tokens during the foreground's prefill`);
  });
});
