import { getLlama, type ControlledEvaluateInputItem } from 'node-llama-cpp';
import { MAX_VERIFY_BATCH_TOKENS } from '@spark/engine-llama';
import { median } from './stats.js';

/**
 * Batch sizes whose verification cost the edit bench reports, up to the engine's largest
 * verification batch (from 64 tokens llama.cpp's CPU kernels round differently, so the engine
 * never verifies more at once).
 */
export const VERIFY_BATCH_SIZES = [1, 2, 4, 8, 16, 32, MAX_VERIFY_BATCH_TOKENS] as const;

export interface VerificationCosts {
  /** The context depth (tokens already in the sequence) the steps were measured at. */
  depth: number;
  /** One plain decode step (evaluate one token, sample the next) at the decode thread count, ms. */
  plainMs: number;
  /** Per thread count: ms of one batch of k tokens with the greedy next token at every position. */
  batches: Map<number, Map<number, number>>;
}

/**
 * Measures, on the model and machine at hand, what speculative decoding pays for: one plain
 * decode step and one verification batch of k tokens (next-token output at every position), at a
 * given context depth, for each thread count. The speedup ceiling at full acceptance of a batch
 * of k is k * plain / batch(k).
 */
export async function measureVerificationCosts(options: {
  modelPath: string;
  prompt: string;
  depth: number;
  threadCounts: readonly number[];
  decodeThreads: number;
  repeats: number;
  /** Batch sizes measured besides VERIFY_BATCH_SIZES (an engine's measured batch limit). */
  extraSizes?: readonly number[];
}): Promise<VerificationCosts> {
  const sizes = [...new Set([...VERIFY_BATCH_SIZES, ...(options.extraSizes ?? [])])].filter((k) => k >= 1 && k <= MAX_VERIFY_BATCH_TOKENS).sort((a, b) => a - b);
  const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: Math.max(...options.threadCounts) });
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({ contextSize: Math.max(4096, options.depth + 256), sequences: 1, threads: Math.max(...options.threadCounts), flashAttention: true });
    const sequence = context.getSequence();
    let tokens = model.tokenize(options.prompt, false);
    while (tokens.length < options.depth + 64) tokens = [...tokens, ...tokens];
    const history = tokens.slice(0, options.depth);
    const probe = tokens.slice(options.depth, options.depth + 64);
    await sequence.evaluateWithoutGeneratingNewTokens(history);
    const base = sequence.nextTokenIndex;
    const first = probe[0];
    if (first === undefined) throw new Error('no tokens to measure with');

    llama.maxThreads = options.decodeThreads;
    const plain: number[] = [];
    for (let repeat = 0; repeat < Math.max(3, options.repeats); repeat += 1) {
      let last = performance.now();
      let count = 0;
      for await (const _token of sequence.evaluate([first], { temperature: 0 })) {
        const now = performance.now();
        // The first step also pays for starting the generator; time the steady ones.
        if (count > 0) plain.push(now - last);
        last = now;
        if (++count > 8) break;
      }
      await sequence.eraseContextTokenRanges([{ start: base, end: sequence.nextTokenIndex }]);
    }

    const batches = new Map<number, Map<number, number>>();
    const next = { generateNext: { token: true, options: { temperature: 0 } } } as const;
    for (const threads of options.threadCounts) {
      llama.maxThreads = threads;
      const row = new Map<number, number>();
      for (const k of sizes) {
        const times: number[] = [];
        for (let repeat = 0; repeat < options.repeats; repeat += 1) {
          const items = probe.slice(0, k).map((token): ControlledEvaluateInputItem => [token, next]);
          const started = performance.now();
          await sequence.controlledEvaluate(items);
          times.push(performance.now() - started);
          await sequence.eraseContextTokenRanges([{ start: base, end: sequence.nextTokenIndex }]);
        }
        row.set(k, median(times));
      }
      batches.set(threads, row);
    }
    return { depth: options.depth, plainMs: median(plain), batches };
  } finally {
    await llama.dispose();
  }
}

/** The measured batch costs (k to ms) at `threads` verify threads, or at the first count measured. */
export function costRow(costs: VerificationCosts, threads: number): ReadonlyMap<number, number> {
  return costs.batches.get(threads) ?? costs.batches.values().next().value ?? new Map<number, number>();
}

/**
 * The best speedup a verification batch of k tokens can give at full acceptance: max over k of
 * k * plain / batch(k), over the batch sizes measured up to `maxK` (an engine's batch limit).
 */
export function bestCeiling(costs: VerificationCosts, threads: number, maxK = Number.POSITIVE_INFINITY): { k: number; speedup: number } {
  const row = costRow(costs, threads);
  let best = { k: 1, speedup: 1 };
  for (const [k, ms] of row) {
    if (k > maxK) continue;
    const speedup = (k * costs.plainMs) / ms;
    if (speedup > best.speedup) best = { k, speedup };
  }
  return best;
}
