import { EngineError } from '@spark/engine';

/** llama.cpp pads a context to a multiple of 256 tokens; windows are chosen on that grid. */
export const CONTEXT_SIZE_STEP = 256;
/**
 * The smallest window a memory budget may shrink a model to: below it an agent's instructions,
 * tools and one file no longer fit, so a budget that small is refused instead.
 */
export const MIN_BUDGET_CONTEXT_SIZE = 2048;

/** What the window is chosen from: the model's limits, the operator's asks and the budget. */
export interface WindowRequest {
  /** The model id, for messages. */
  readonly model: string;
  /** The window the model was trained on (GGUF `context_length`). */
  readonly trainContextSize: number;
  /** The most a window may hold: the trained one, or what rope scaling stretches it to. */
  readonly maxContextSize: number;
  /** The operator's window (`--ctx`): it wins, but must fit the model and the budget. */
  readonly contextSize: number | undefined;
  readonly sequences: number;
  /** Bytes weights plus context may take; undefined = no budget (then `fallbackContextSize` caps the window). */
  readonly budgetBytes: number | undefined;
  readonly weightsBytes: number;
  /** The window without a budget or `contextSize` (capped by `maxContextSize`). */
  readonly fallbackContextSize: number;
}

/** The window a model is served with, what its context costs and why it was chosen. */
export interface WindowChoice {
  readonly contextSize: number;
  readonly sequences: number;
  /** Estimated bytes of the context (KV cache of all sequences plus compute buffers). */
  readonly contextBytes: number;
  /**
   * `explicit`: the operator's size; `full`: the model's whole window fits the budget;
   * `budget`: the largest window the budget allows; `default`: no budget, the fallback cap.
   */
  readonly reason: 'explicit' | 'full' | 'budget' | 'default';
}

/** Bytes of a context with this window and sequences (monotonic in both). */
export type ContextCost = (contextSize: number, sequences: number) => Promise<number> | number;

/**
 * Picks the largest window up to the model's (trained or rope-scaled) one whose weights plus
 * context fit the budget, for the configured sequences. An explicit window is checked, never
 * changed. Throws EngineError 'model_load_failed' with the numbers when nothing fits.
 */
export async function chooseContextWindow(request: WindowRequest, cost: ContextCost): Promise<WindowChoice> {
  const { model, maxContextSize, sequences, budgetBytes, weightsBytes } = request;
  const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (request.contextSize !== undefined) {
    if (request.contextSize > maxContextSize) {
      const scaled = maxContextSize > request.trainContextSize ? ` (${request.trainContextSize} trained, stretched by rope scaling)` : ' (its trained window; rope scaling can stretch it on models made for that)';
      throw new EngineError('model_load_failed', `--ctx ${request.contextSize} is more than model ${model} holds: ${maxContextSize} tokens${scaled}.`);
    }
    const bytes = await cost(request.contextSize, sequences);
    if (budgetBytes !== undefined && weightsBytes + bytes > budgetBytes) {
      throw new EngineError('model_load_failed', `Model ${model} with ${sequences} x ${request.contextSize} tokens needs ${gib(weightsBytes + bytes)} (weights ${gib(weightsBytes)}, context ${gib(bytes)}), over the memory budget of ${gib(budgetBytes)}: raise --memory-budget, or lower --ctx or --sequences, or quantize the KV cache (--kv-cache-type q8_0).`);
    }
    return { contextSize: request.contextSize, sequences, contextBytes: bytes, reason: 'explicit' };
  }
  if (budgetBytes === undefined) {
    const contextSize = Math.min(maxContextSize, request.fallbackContextSize);
    return { contextSize, sequences, contextBytes: await cost(contextSize, sequences), reason: 'default' };
  }
  const fits = async (contextSize: number): Promise<number | undefined> => {
    const bytes = await cost(contextSize, sequences);
    return weightsBytes + bytes <= budgetBytes ? bytes : undefined;
  };
  const full = await fits(maxContextSize);
  if (full !== undefined) return { contextSize: maxContextSize, sequences, contextBytes: full, reason: 'full' };
  const floor = Math.min(maxContextSize, MIN_BUDGET_CONTEXT_SIZE);
  const least = await fits(floor);
  if (least === undefined) {
    const bytes = await cost(floor, sequences);
    throw new EngineError('model_load_failed', `Model ${model} needs ${gib(weightsBytes + bytes)} for even ${sequences} x ${floor} tokens (weights ${gib(weightsBytes)}, context ${gib(bytes)}), over the memory budget of ${gib(budgetBytes)}: raise --memory-budget, lower --sequences, or quantize the KV cache (--kv-cache-type q8_0).`);
  }
  // Binary search on the 256-token grid between the floor (fits) and the full window (does not).
  let low = Math.floor(floor / CONTEXT_SIZE_STEP);
  let lowBytes = least;
  let high = Math.ceil(maxContextSize / CONTEXT_SIZE_STEP);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const bytes = await fits(middle * CONTEXT_SIZE_STEP);
    if (bytes === undefined) high = middle;
    else { low = middle; lowBytes = bytes; }
  }
  return { contextSize: Math.max(floor, low * CONTEXT_SIZE_STEP), sequences, contextBytes: lowBytes, reason: 'budget' };
}
