import { MAX_VERIFY_BATCH_TOKENS } from './llama-engine-options.js';
import { MODEL_CATALOG, type CatalogEntry } from './model-registry/catalog.js';
import { GGML_TYPE } from './model-registry/ggml-type.js';
import { readGgufFile } from './model-registry/gguf-file.js';

/**
 * x86 llama.cpp evaluates repacked Q4_K weights one way for up to 3 tokens and another from 4
 * (gemv, then 4-row gemm), so a model with Q4_K tensors measures a batch limit of at most 3.
 */
const REPACKED_Q4_K_LIMIT = 3;

/** Where {@link speculationAdvice} looks. */
export interface SpeculationAdviceOptions {
  /** The CPU architecture (default: this process's). */
  arch?: string;
  catalog?: readonly CatalogEntry[];
}

/**
 * Why a model's speculation is capped or off, and what lifts it: `repacked-q4_k` (a model
 * choice: its Q4_K weights as Q5_K) or `no-batch` (spark serve flags: fewer decode threads, or
 * any batch). Speculation that silently never happens (or stops at 3 tokens) is a trap.
 */
export interface SpeculationAdvice {
  readonly kind: 'repacked-q4_k' | 'no-batch';
  readonly message: string;
}

/**
 * What to tell the user about a model's measured verification batch limit, or undefined when
 * there is nothing to say. `id` is the model's catalog alias when it has one.
 */
export async function speculationAdvice(model: { id: string; path: string }, limit: number, options: SpeculationAdviceOptions = {}): Promise<SpeculationAdvice | undefined> {
  if (limit > REPACKED_Q4_K_LIMIT) return undefined;
  if ((options.arch ?? process.arch) === 'x64' && (await readGgufFile(model.path)).tensors.some((tensor) => tensor.type === GGML_TYPE.Q4_K)) {
    const variant = (options.catalog ?? MODEL_CATALOG).find(({ source }) => source.kind === 'requantize' && source.from === model.id && source.to === 'q5_k');
    const remedy = variant === undefined
      ? `a copy with its Q4_K tensors stored as Q5_K (the same weights) would verify up to ${MAX_VERIFY_BATCH_TOKENS}`
      : `--model ${variant.alias} is the same weights stored as Q5_K and verifies up to ${MAX_VERIFY_BATCH_TOKENS}`;
    return { kind: 'repacked-q4_k', message: `${model.id}: llama.cpp repacks its Q4_K weights on this CPU and evaluates a batch of 4 or more tokens differently from one token, so speculation verifies at most ${limit} token(s) a step; ${remedy}` };
  }
  if (limit > 1) return undefined;
  return {
    kind: 'no-batch',
    message: `${model.id}: no verification batch computes close enough to one-token steps here, so it decodes without speculation (try --decode-threads 1, or --fast-speculation)`,
  };
}
