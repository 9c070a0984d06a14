import type { EngineEvent, GenerationState, Timings } from '@spark/engine';
import type { LlamaStateData } from './continuation-state.js';

/** How speculative decoding went in one generation (engine-llama's `finish.metadata.llama.speculation`). */
export interface SpeculationTimings {
  /** Verification steps: one batch of the pending token plus drafted tokens each. */
  steps: number;
  /** Drafted tokens evaluated in those steps. */
  draftedTokens: number;
  /** Drafted tokens whose verification accepted them (prediction and prompt lookup together). */
  acceptedTokens: number;
  /** Output tokens those steps produced (accepted drafts plus one token from each step). */
  outputTokens: number;
  /** Time spent in verification steps (part of `decodeMs`). */
  verifyMs: number;
  /**
   * Output tokens some draft source expected, given the output before them: what a perfect
   * draft-length policy could have had verified, whatever this one chose (the first output
   * token, sampled at prefill, included).
   */
  draftableTokens: number;
  /** Maximal runs of consecutive draftable tokens: a perfect policy verifies each in one batch. */
  draftableRuns: number;
}

/** engine-llama's part of `finish.metadata`, under its engine name `llama`. */
export type LlamaFinishMetadata = {
  /** Present when the generation speculated or could have. */
  readonly speculation?: SpeculationTimings;
};

/** A state LlamaEngine produced: its `data` holds the token ids the KV cache held. */
export interface LlamaGenerationState extends GenerationState {
  readonly data: LlamaStateData;
}

type ContractFinish = Extract<EngineEvent, { type: 'finish' }>;

/** LlamaEngine's `finish`: timings always measured, its own state and metadata types. */
export type LlamaFinishEvent = Omit<ContractFinish, 'timings' | 'state' | 'metadata'> & {
  timings: Timings;
  state?: LlamaGenerationState;
  metadata?: { readonly llama: LlamaFinishMetadata };
};

/**
 * The events LlamaEngine yields: the contract's, with what this engine always knows made
 * precise, so its own tests and benchmarks read timings, state tokens and speculation typed.
 */
export type LlamaEngineEvent = Exclude<EngineEvent, { type: 'finish' }> | LlamaFinishEvent;
