import type { LlamaEngine } from '../llama-engine.js';

/**
 * Exact verification batches this long make drafting pay, so a test that counts accepted
 * prediction tokens can expect most of them. Which batch sizes are exact is the CPU's kernels'
 * business (SmolLM2's Q4_1 at one decode thread: 63 on AVX2 and AVX-512 x86, 1 under ggml's
 * AVX-only variant), so such counts are checked only where the batches are this long.
 */
export const LONG_EXACT_BATCHES = 8;

/**
 * Whether `engine`'s measured exact batch limit for `model` reaches LONG_EXACT_BATCHES on this
 * machine. Prints the build, CPU and limit, and, when it does not, what goes unchecked here.
 */
export function longExactBatches(engine: LlamaEngine, model: string, t: { diagnostic(message: string): void }, unchecked: string): boolean {
  const limit = engine.verifyBatchLimit(model) ?? 0;
  const long = limit >= LONG_EXACT_BATCHES;
  t.diagnostic(`${engine.build}: exact verification batch limit ${limit}${long ? '' : `, under ${LONG_EXACT_BATCHES}: not checked here: ${unchecked}`}`);
  return long;
}
