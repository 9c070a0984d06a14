import { EngineError } from '@spark/engine';
import type { LlamaGrammarEvaluationState } from 'node-llama-cpp';

/**
 * Checking one token against a grammar, and advancing a grammar state by a token, without
 * sampling: what verifying a speculative draft under a grammar needs (`verify-draft.ts`).
 *
 * node-llama-cpp 3.22 has no public API for either: its `evaluate` advances a grammar only by the
 * tokens it samples itself, and `controlledEvaluate` takes no grammar. It does have the two
 * native calls, and uses them itself for its own token predictors under grammars
 * (`LlamaSampler._canBeNextTokenForGrammarEvaluationState`, `_acceptTokenOnGrammarEvaluationState`,
 * marked @internal). This file is the one place that reaches into them: it narrows the shape at
 * runtime and fails with a clear error when an upgraded node-llama-cpp no longer has it.
 */

interface NativeGrammarSampler {
  /** Applies the grammar sampler to a single candidate: false when the grammar rules it out. */
  canBeNextTokenForGrammarEvaluationState(state: object, token: number): boolean;
  /** Advances the grammar state by `token` (llama_sampler_accept). */
  acceptGrammarEvaluationStateToken(state: object, token: number): void;
}

/** A grammar evaluation state as llama.cpp's token checks see it. */
export interface GrammarProbe {
  /** Whether the grammar allows `token` next (the check llama.cpp's grammar sampler applies). */
  allows(token: number): boolean;
  /** Advances the state past `token`; the state itself changes, as sampling `token` would change it. */
  accept(token: number): void;
}

/** Probes `state` itself: `accept` advances the grammar the generation samples with. */
export function grammarProbe(state: LlamaGrammarEvaluationState): GrammarProbe {
  const { sampler, native } = internals(state);
  return {
    allows: (token) => sampler.canBeNextTokenForGrammarEvaluationState(native, token),
    accept: (token) => sampler.acceptGrammarEvaluationStateToken(native, token),
  };
}

/** Probes a copy of `state`: walking a draft along it leaves the generation's grammar as it is. */
export function grammarProbeOnCopy(state: LlamaGrammarEvaluationState): GrammarProbe {
  return grammarProbe(state.clone());
}

function internals(state: LlamaGrammarEvaluationState): { sampler: NativeGrammarSampler; native: object } {
  const view = state as unknown as { _llama?: { _bindings?: { AddonSampler?: Partial<NativeGrammarSampler> } }; _state?: unknown };
  const sampler = view._llama?._bindings?.AddonSampler;
  const native = view._state;
  if (
    typeof sampler?.canBeNextTokenForGrammarEvaluationState !== 'function'
    || typeof sampler.acceptGrammarEvaluationStateToken !== 'function'
    || typeof native !== 'object' || native === null
  ) {
    throw new EngineError('internal', 'This node-llama-cpp has no native grammar token checks (AddonSampler.canBeNextTokenForGrammarEvaluationState): drafts under a grammar need node-llama-cpp 3.22.');
  }
  const { canBeNextTokenForGrammarEvaluationState, acceptGrammarEvaluationStateToken } = sampler;
  return {
    // Static native methods: bound to their class as node-llama-cpp calls them.
    sampler: {
      canBeNextTokenForGrammarEvaluationState: (state, token) => canBeNextTokenForGrammarEvaluationState.call(sampler, state, token),
      acceptGrammarEvaluationStateToken: (state, token) => acceptGrammarEvaluationStateToken.call(sampler, state, token),
    },
    native,
  };
}
