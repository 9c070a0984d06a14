import type { GenerateRequest, GenerationPriority } from '@spark/engine';
import { DEFAULT_BACKGROUND_STEP_INTERVAL, LlamaEngine } from '@spark/engine-llama';
import { fmt, median } from './stats.js';

export interface DualBenchOptions {
  modelId: string;
  modelPath: string;
  threads: number;
  decodeThreads: number;
  repeats: number;
  /** Foreground output tokens per measurement. */
  foregroundTokens: number;
  /** The engine's `backgroundStepInterval` (`--background-interval`); default the engine's. */
  backgroundStepInterval?: number;
}

/** Background generations decoding beside the foreground, per measurement. */
const BACKGROUND_COUNTS = [0, 1, 2] as const;
/** Output tokens each background stream decodes before the foreground starts (it is decoding, not prefilling). */
const BACKGROUND_WARM_TOKENS = 8;
const BACKGROUND_PROMPT = 'Write a very long story about a lighthouse keeper who repairs clocks. Use many paragraphs.';
/** A foreground prompt of some 500 tokens; `tag` comes first so no run reuses another's cached prompt. */
const foregroundPrompt = (tag: string): string =>
  `${tag}. Read these notes, then explain in a few sentences what the build does.\n${Array.from({ length: 24 }, (_, i) => `Note ${i}: step ${i} compiles module ${i * 7}, links it and writes its hash.`).join('\n')}`;

interface Figures { ttftMs: number; tokPerSec: number; backgroundTokPerSec: number }

/**
 * Dual mode on the embedded engine: a foreground generation's TTFT and decode speed with 0, 1
 * and 2 background generations decoding beside it, with the background at `priority:
 * 'background'` and, side by side in the same run, at 'foreground' (what no scheduling gives);
 * plus the background's own speed meanwhile. Every figure is a ratio to the idle foreground
 * measured in the same round, and the ratios' median is printed: this machine's speed drifts by
 * 10-30% between minutes, and a ratio of two medians taken in different rounds carries that drift.
 */
export async function benchDual(options: DualBenchOptions): Promise<void> {
  const engine = await LlamaEngine.create({
    models: [{ id: options.modelId, path: options.modelPath }], contextSize: 4096, sequences: 3,
    threads: options.threads, decodeThreads: options.decodeThreads, speculation: false,
    ...(options.backgroundStepInterval === undefined ? {} : { backgroundStepInterval: options.backgroundStepInterval }),
  });
  const results = new Map<string, Figures[]>();
  let run = 0;
  try {
    // Unmeasured: the first generation pays for allocations the others do not.
    await measure(engine, options, 0, 'background', 'Warm-up');
    for (let r = 0; r < options.repeats; r++) {
      for (const background of BACKGROUND_COUNTS) {
        for (const priority of background === 0 ? (['background'] as const) : (['background', 'foreground'] as const)) {
          const figures = await measure(engine, options, background, priority, `Run ${run++}`);
          const key = `${background}:${priority}`;
          results.set(key, [...(results.get(key) ?? []), figures]);
        }
      }
    }
  } finally {
    await engine.dispose();
  }

  const med = (key: string, field: keyof Figures): number => median((results.get(key) ?? []).map((f) => f[field]));
  /** The median over rounds of `key`'s figure divided by the idle foreground's in the same round. */
  const ratio = (key: string, field: keyof Figures): number => {
    const idle = results.get('0:background') ?? [];
    return median((results.get(key) ?? []).map((f, round) => f[field] / (idle[round]?.[field] ?? Number.NaN)));
  };
  console.log(`\n== dual: foreground beside background generations (${options.modelId}, embedded engine, threads ${options.threads}/${options.decodeThreads}, speculation off, background joins 1 fg step in ${options.backgroundStepInterval ?? DEFAULT_BACKGROUND_STEP_INTERVAL}; medians of ${options.repeats}, x idle = median of per-round ratios) ==`);
  console.log('background          fg TTFT ms  x idle   fg tok/s  x idle   bg tok/s (all bg streams)');
  for (const background of BACKGROUND_COUNTS) {
    for (const priority of background === 0 ? (['background'] as const) : (['background', 'foreground'] as const)) {
      const key = `${background}:${priority}`;
      const label = background === 0 ? 'none (idle)' : `${background} x ${priority === 'background' ? 'background' : 'fg (no prio)'}`;
      const ttft = med(key, 'ttftMs');
      const speed = med(key, 'tokPerSec');
      console.log(`${label.padEnd(19)} ${fmt(ttft).padStart(9)}  ${fmt(ratio(key, 'ttftMs'), 2).padStart(6)}  ${fmt(speed).padStart(9)}  ${fmt(ratio(key, 'tokPerSec'), 2).padStart(6)}   ${background === 0 ? '-' : fmt(med(key, 'backgroundTokPerSec'))}`);
    }
  }
  const ttft2 = ratio('2:background', 'ttftMs');
  const speed2 = ratio('2:background', 'tokPerSec');
  console.log(`goal with 2 background: fg TTFT <= 1.3x idle (${fmt(ttft2, 2)}x: ${ttft2 <= 1.3 ? 'met' : 'MISSED'}), fg tok/s >= 0.7x idle (${fmt(speed2, 2)}x: ${speed2 >= 0.7 ? 'met' : 'MISSED'})`);
}

async function measure(engine: LlamaEngine, options: DualBenchOptions, background: number, priority: GenerationPriority, tag: string): Promise<Figures> {
  const stop = new AbortController();
  let backgroundTokens = 0;
  const warm: Array<Promise<void>> = [];
  const streams: Array<Promise<void>> = [];
  for (let i = 0; i < background; i++) {
    let resolveWarm = (): void => {};
    warm.push(new Promise((resolve) => { resolveWarm = resolve; }));
    streams.push((async () => {
      let seen = 0;
      try {
        for await (const event of engine.generate(request(options, `${tag}, stream ${i}. ${BACKGROUND_PROMPT}`, priority, stop.signal, 3000))) {
          if (event.type !== 'text-delta') continue;
          backgroundTokens += 1;
          if (++seen === BACKGROUND_WARM_TOKENS) resolveWarm();
        }
      } finally {
        resolveWarm();
      }
    })());
  }
  await Promise.all(warm);
  const fromTokens = backgroundTokens;
  const started = performance.now();
  let first = 0;
  let last = 0;
  let tokens = 0;
  for await (const event of engine.generate(request(options, foregroundPrompt(tag), 'foreground', new AbortController().signal, options.foregroundTokens))) {
    if (event.type !== 'text-delta') continue;
    last = performance.now();
    if (tokens === 0) first = last;
    tokens += 1;
  }
  const ended = performance.now();
  const backgroundDuring = backgroundTokens - fromTokens;
  stop.abort();
  await Promise.all(streams);
  return {
    ttftMs: first - started,
    tokPerSec: tokens > 1 ? ((tokens - 1) * 1000) / (last - first) : 0,
    backgroundTokPerSec: (backgroundDuring * 1000) / (ended - started),
  };
}

function request(options: DualBenchOptions, text: string, priority: GenerationPriority, signal: AbortSignal, maxOutputTokens: number): GenerateRequest {
  return {
    model: options.modelId, conversation: [{ type: 'user', text }], tools: [], toolChoice: { type: 'none' }, parallelToolCalls: false,
    outputFormat: { type: 'text' }, sampling: { temperature: 0 }, signal, maxOutputTokens, priority,
  };
}
