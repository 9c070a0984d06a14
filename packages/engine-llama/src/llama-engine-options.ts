import { availableParallelism } from 'node:os';
import type { KvCopy } from './copy-sequence-prefix.js';
import { DEFAULT_KV_CACHE_TYPE, validateKvCacheTypes, type KvCacheType, type KvCacheTypes } from './kv-cache-type.js';
import { MIN_KV_COPY_TOKENS } from './pick-sequence-slot.js';
import { DEFAULT_BACKGROUND_STEP_INTERVAL } from './step-schedule.js';

/** Tokens per sequence without a memory budget, when neither the caller nor a smaller training context says otherwise. */
export const DEFAULT_CONTEXT_SIZE = 8192;
/** Parallel sequences (KV cache slots) per model. */
export const DEFAULT_SEQUENCES = 4;
/** Prompt tokens evaluated between two abort checks during prefill. */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 256;
/** Requests that may wait for a busy model before new ones are refused as overloaded. */
export const DEFAULT_MAX_QUEUED_REQUESTS = 16;
/**
 * Most tokens in one verification batch (pending tokens plus the draft). On this CPU llama.cpp
 * takes another kernel path from 64 tokens a batch for every quant type measured; the limit is
 * also measured per model against speculationTolerance (see measureVerifyBatchLimit).
 */
export const MAX_VERIFY_BATCH_TOKENS = 63;
/**
 * Default speculationTolerance: a verification batch's top-two probabilities may be 0.05 off
 * one-token steps', so only choices within about ten points can flip (the near-ties batched and
 * one-token evaluation round differently anyway), while multi-threaded decoding (0.03-0.05 off at
 * any batch size) and Gemma's repacked K-quant kernels (0.01 at 8-16 tokens) still speculate.
 */
export const DEFAULT_SPECULATION_TOLERANCE = 0.05;
/** Longest draft one speculative verification step evaluates: a full batch after one pending token. */
export const DEFAULT_MAX_DRAFT_TOKENS = MAX_VERIFY_BATCH_TOKENS - 1;

export interface LlamaEngineOptions {
  /** Models to serve: the id clients use, and the GGUF file. Each is loaded once. */
  models: ReadonlyArray<{ id: string; path: string }>;
  /**
   * Tokens per sequence (one conversation). Default: with `memoryBudgetBytes`, the largest window
   * up to the model's (trained, or rope-scaled) one that fits the budget; without it,
   * min(model's training context, DEFAULT_CONTEXT_SIZE). Refused when over the model's window
   * or the budget.
   */
  contextSize?: number;
  /** Parallel sequences per model. Default DEFAULT_SEQUENCES. */
  sequences?: number;
  /**
   * Memory one model may take: weights plus its context (KV cache of every sequence and compute
   * buffers), as node-llama-cpp estimates them. Picks the window (see `contextSize`). Default: none.
   */
  memoryBudgetBytes?: number;
  /** KV cache element type of K. Default DEFAULT_KV_CACHE_TYPE (f16). */
  kvCacheKeyType?: KvCacheType;
  /** KV cache element type of V; quantized ones need flash attention. Default DEFAULT_KV_CACHE_TYPE (f16). */
  kvCacheValueType?: KvCacheType;
  /**
   * Stretch the model's trained window with YaRN rope scaling (Qwen2.5: factor 4 over 32768 =
   * 131072 tokens, as its model card describes). Applied as GGUF metadata overrides at load.
   * Default: none (the trained window is the most a sequence holds).
   */
  ropeScaling?: RopeScalingOptions;
  /** CPU threads for prompt evaluation (prefill), and the cap for all evaluation. Default: all cores. */
  threads?: number;
  /**
   * CPU threads while only decoding. Default: `threads` on a local build (`spark engine build`,
   * OpenMP keeps its threads: on 2 cores SmolLM2 decoded at ~80-96 tok/s with 2 threads against
   * ~68 with 1); half of `threads`, at least 1, on the prebuilt binaries, which start and join
   * their threads on every token (there a second thread measured 0.75-1.1x of one).
   */
  decodeThreads?: number;
  /**
   * CPU threads for a speculative verification batch (a few dozen tokens at once, prefill-like).
   * Default: `threads`, as for prefill. On an idle 2-core machine 2 threads made 8-64-token
   * batches ~1.8x cheaper (edit workload 1.45x vs 1.15x over plain decoding); with other work on
   * the cores a 2-thread batch can stall (seen: 4.1 s vs 0.26 s), which the speculator's cost
   * model then sees and backs off from. Set 1 on a shared, busy machine.
   */
  verifyThreads?: number;
  /** Flash attention (faster long prefill, less memory). Default true. */
  flashAttention?: boolean;
  /** GPU offload: false = CPU only, 'auto' = whatever node-llama-cpp finds. Default false. */
  gpu?: false | 'auto';
  /** Prompt tokens evaluated between abort checks. Default DEFAULT_PREFILL_CHUNK_TOKENS. */
  prefillChunkTokens?: number;
  /** Requests waiting for a sequence before EngineError 'overloaded'. Default DEFAULT_MAX_QUEUED_REQUESTS. */
  maxQueuedRequests?: number;
  /**
   * Keep the full KV cache on sliding-window-attention models (Gemma 3...) instead of window-sized
   * caches for their local layers. Default false, as llama-server: a window-sized cache takes
   * 0.6x the memory at Gemma 3 270M's 32k window and decodes as fast. What it gives up: a cut
   * deeper than what the cache still holds re-reads the prompt from its start (`windowSafePrefix`),
   * and a fork cannot copy part of another sequence's cache.
   */
  swaFullCache?: boolean;
  /**
   * Prefill tokens a KV copy must save before a request forks another (busy) sequence's cached
   * prefix instead of evaluating it. Default MIN_KV_COPY_TOKENS.
   */
  kvCopyMinTokens?: number;
  /** Called after every KV prefix copy (fork), for metrics and logs. */
  onKvCopy?: (copy: KvCopy) => void;
  /**
   * Reuse cached KV prefixes across requests. Default true; false makes every request prefill its
   * whole prompt on a cleared sequence (the stateless baseline benchmarks compare against).
   */
  prefixReuse?: boolean;
  /**
   * Speculative decoding for greedy generations (temperature 0), under an output grammar too
   * (a draft token counts only where it is the constrained argmax): drafts from the request's `prediction` and from the prompt and output so far are verified in
   * one batch when the measured costs say it pays. Default true; false = plain decoding only.
   */
  speculation?: boolean;
  /** Draft from the prompt and output so far (prompt lookup), not only from a `prediction`. Default true. */
  promptLookup?: boolean;
  /** Longest draft one verification step evaluates. Default DEFAULT_MAX_DRAFT_TOKENS. */
  maxDraftTokens?: number;
  /**
   * How far a verification batch may compute differently from plain one-token steps: at load the
   * engine measures the largest batch whose next-token probabilities stay within this of one-token
   * steps on this model and machine, and never verifies more at once (no speculation where no
   * batch qualifies). Greedy output can then differ from plain decoding only at choices whose top
   * two are closer than about twice this. 0 = bit-identical output; Infinity = no measurement, up
   * to MAX_VERIFY_BATCH_TOKENS. Default DEFAULT_SPECULATION_TOLERANCE.
   */
  speculationTolerance?: number;
  /**
   * A JSON file where measured verification batch limits are kept across engine starts, keyed by
   * everything they depend on (model file, its size and modification time, llama.cpp build, CPU,
   * threads, tolerance), so a restart skips the measurement. Default: none (measure every load).
   */
  batchLimitCacheFile?: string;
  /**
   * llama.cpp's repetition penalty on every generation: the last `lastTokens` tokens of the
   * sequence (default DEFAULT_REPEAT_LAST_TOKENS) have their logits divided by `penalty` (1 = off;
   * llama-server's `--repeat-penalty`). Default off. Generations it applies to never speculate:
   * drafts are verified against the unpenalized argmax.
   */
  repeatPenalty?: RepeatPenaltyOptions;
  /** DRY ("don't repeat yourself") sampling, llama-server's `--dry-multiplier`; default off; also ends speculation as above. */
  dryRepeatPenalty?: DryRepeatPenaltyOptions;
  /**
   * Schedule by the requests' `priority`: background generations wait while a foreground one
   * prefills and join only one foreground decode step in `backgroundStepInterval`. Default true;
   * false runs every generation as foreground (the baseline the dual bench compares against).
   */
  priorities?: boolean;
  /** While the foreground decodes, background steps join one of its batches in this many. Default DEFAULT_BACKGROUND_STEP_INTERVAL. */
  backgroundStepInterval?: number;
}

/** YaRN rope scaling, as the `rope_scaling` block of a Hugging Face config spells it. */
export interface RopeScalingOptions {
  readonly type: 'yarn';
  /** How many times the original window the model may hold (Qwen2.5: 4). */
  readonly factor: number;
  /** The window the model was trained on; default: the GGUF's `context_length`. */
  readonly originalContextSize?: number;
}

/** Tokens the repetition penalty looks back over when none is given (llama.cpp's `repeat_last_n`). */
export const DEFAULT_REPEAT_LAST_TOKENS = 64;

export interface RepeatPenaltyOptions {
  /** Divides the logits of recently seen tokens; above 1 to penalize (1.1 is common). */
  readonly penalty: number;
  readonly lastTokens?: number;
  /** Subtracts n * this from a token seen n times (0-1; default 0). */
  readonly frequencyPenalty?: number;
  /** Subtracts this from any token seen (0-1; default 0). */
  readonly presencePenalty?: number;
}

export interface DryRepeatPenaltyOptions {
  /** Strength of the penalty (llama.cpp's `dry_multiplier`; 0.8 is the recommended value). */
  readonly strength: number;
  /** Base of its exponential growth (default 1.75). */
  readonly base?: number;
  /** Repeated runs up to this many tokens go unpenalized (default 2). */
  readonly allowedLength?: number;
}

/** Options with every default applied (except what depends on the model itself). */
export interface ResolvedEngineOptions {
  readonly contextSize: number | undefined;
  readonly sequences: number | undefined;
  readonly memoryBudgetBytes: number | undefined;
  readonly kvCache: KvCacheTypes;
  readonly ropeScaling: RopeScalingOptions | undefined;
  readonly threads: number;
  readonly decodeThreads: number;
  readonly verifyThreads: number;
  readonly flashAttention: boolean;
  readonly gpu: false | 'auto';
  readonly prefillChunkTokens: number;
  readonly maxQueuedRequests: number;
  readonly swaFullCache: boolean;
  readonly kvCopyMinTokens: number;
  readonly onKvCopy: ((copy: KvCopy) => void) | undefined;
  readonly prefixReuse: boolean;
  readonly speculation: boolean;
  readonly promptLookup: boolean;
  readonly maxDraftTokens: number;
  readonly speculationTolerance: number;
  readonly batchLimitCacheFile: string | undefined;
  readonly repeatPenalty: RepeatPenaltyOptions | undefined;
  readonly dryRepeatPenalty: DryRepeatPenaltyOptions | undefined;
  readonly priorities: boolean;
  readonly backgroundStepInterval: number;
}

/**
 * `threadPool`: whether the binaries keep their worker threads between evaluations (a local
 * build with OpenMP), which decides the default decode thread count.
 */
export function resolveEngineOptions(options: LlamaEngineOptions, threadPool = false): ResolvedEngineOptions {
  const threads = positive('threads', options.threads) ?? availableParallelism();
  const decodeDefault = threadPool ? threads : Math.max(1, Math.floor(threads / 2));
  const decodeThreads = Math.min(threads, positive('decodeThreads', options.decodeThreads) ?? decodeDefault);
  return {
    contextSize: positive('contextSize', options.contextSize),
    sequences: positive('sequences', options.sequences),
    memoryBudgetBytes: positive('memoryBudgetBytes', options.memoryBudgetBytes),
    kvCache: validateKvCacheTypes({ key: options.kvCacheKeyType ?? DEFAULT_KV_CACHE_TYPE, value: options.kvCacheValueType ?? DEFAULT_KV_CACHE_TYPE }, options.flashAttention ?? true),
    ropeScaling: ropeScaling(options.ropeScaling),
    threads,
    decodeThreads,
    verifyThreads: Math.min(threads, positive('verifyThreads', options.verifyThreads) ?? threads),
    flashAttention: options.flashAttention ?? true,
    gpu: options.gpu ?? false,
    prefillChunkTokens: positive('prefillChunkTokens', options.prefillChunkTokens) ?? DEFAULT_PREFILL_CHUNK_TOKENS,
    maxQueuedRequests: nonNegative('maxQueuedRequests', options.maxQueuedRequests) ?? DEFAULT_MAX_QUEUED_REQUESTS,
    swaFullCache: options.swaFullCache ?? false,
    kvCopyMinTokens: positive('kvCopyMinTokens', options.kvCopyMinTokens) ?? MIN_KV_COPY_TOKENS,
    onKvCopy: options.onKvCopy,
    prefixReuse: options.prefixReuse ?? true,
    speculation: options.speculation ?? true,
    promptLookup: options.promptLookup ?? true,
    maxDraftTokens: positive('maxDraftTokens', options.maxDraftTokens) ?? DEFAULT_MAX_DRAFT_TOKENS,
    speculationTolerance: tolerance(options.speculationTolerance),
    batchLimitCacheFile: options.batchLimitCacheFile,
    repeatPenalty: repeatPenalty(options.repeatPenalty),
    dryRepeatPenalty: dryRepeatPenalty(options.dryRepeatPenalty),
    priorities: options.priorities ?? true,
    backgroundStepInterval: positive('backgroundStepInterval', options.backgroundStepInterval) ?? DEFAULT_BACKGROUND_STEP_INTERVAL,
  };
}

function ropeScaling(value: RopeScalingOptions | undefined): RopeScalingOptions | undefined {
  if (value === undefined) return undefined;
  if (value.type !== 'yarn') throw new RangeError(`LlamaEngine option ropeScaling.type must be 'yarn', got '${String(value.type)}'`);
  if (!Number.isFinite(value.factor) || value.factor <= 1) throw new RangeError(`LlamaEngine option ropeScaling.factor must be a number above 1, got ${value.factor}`);
  positive('ropeScaling.originalContextSize', value.originalContextSize);
  return value;
}

function repeatPenalty(value: RepeatPenaltyOptions | undefined): RepeatPenaltyOptions | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value.penalty) || value.penalty <= 0) throw new RangeError(`LlamaEngine option repeatPenalty.penalty must be a positive number, got ${value.penalty}`);
  for (const [name, penalty] of [['frequencyPenalty', value.frequencyPenalty], ['presencePenalty', value.presencePenalty]] as const) {
    if (penalty !== undefined && !(penalty >= 0 && penalty <= 1)) throw new RangeError(`LlamaEngine option repeatPenalty.${name} must be from 0 to 1, got ${penalty}`);
  }
  const off = value.penalty === 1 && !value.frequencyPenalty && !value.presencePenalty;
  return off ? undefined : { ...value, lastTokens: positive('repeatPenalty.lastTokens', value.lastTokens) ?? DEFAULT_REPEAT_LAST_TOKENS };
}

function dryRepeatPenalty(value: DryRepeatPenaltyOptions | undefined): DryRepeatPenaltyOptions | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value.strength) || value.strength < 0) throw new RangeError(`LlamaEngine option dryRepeatPenalty.strength must be a number of at least 0, got ${value.strength}`);
  return value.strength === 0 ? undefined : value;
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`LlamaEngine option ${name} must be a positive integer, got ${value}`);
  return value;
}

function tolerance(value: number | undefined): number {
  if (value === undefined) return DEFAULT_SPECULATION_TOLERANCE;
  if (Number.isNaN(value) || value < 0) throw new RangeError(`LlamaEngine option speculationTolerance must be a number >= 0 (Infinity allowed), got ${value}`);
  return value;
}

function nonNegative(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`LlamaEngine option ${name} must be a non-negative integer, got ${value}`);
  return value;
}
