import type { ControlledEvaluateInputItem, LlamaContextSequence, Token } from 'node-llama-cpp';
import type { GrammarProbe } from './grammar-probe.js';

/** Greedy next-token output at a batch position. */
const GREEDY_NEXT = { generateNext: { token: true, options: { temperature: 0 } } } as const;

export interface VerifiedDraft {
  /**
   * The tokens plain (constrained) greedy decoding produces from the last pending token on: the
   * accepted draft tokens, then, where `bonus`, the model's own next token.
   */
  readonly outputs: readonly Token[];
  /** Leading draft tokens that the model would have produced itself. */
  readonly accepted: number;
  /**
   * Whether `outputs` ends with the model's token after the accepted draft. False where a grammar
   * rules out the model's unconstrained choice there: the token llama.cpp would fall back to is
   * unknown from the batch, so the caller re-evaluates the last output (or pending) token in a
   * plain step, which samples it under the grammar.
   */
  readonly bonus: boolean;
}

/**
 * Evaluates the pending tokens and the whole draft in one batch, taking the greedy next token
 * at every position from the last pending token on, and accepts the longest draft prefix that
 * plain greedy decoding (under `grammar`, a probe on a copy of the generation's grammar state,
 * when one is active) would have produced. The sequence is left holding every evaluated token:
 * the caller erases the unused tail.
 */
export async function verifyDraft(
  sequence: LlamaContextSequence, pending: readonly Token[], draft: readonly Token[], grammar?: GrammarProbe,
): Promise<VerifiedDraft> {
  const last = pending.at(-1);
  if (last === undefined) throw new RangeError('verifyDraft needs at least one pending token');
  const items: ControlledEvaluateInputItem[] = [...pending.slice(0, -1), [last, GREEDY_NEXT], ...draft.map((token): ControlledEvaluateInputItem => [token, GREEDY_NEXT])];
  const results = await sequence.controlledEvaluate(items);
  const predicted: Token[] = [];
  for (let index = pending.length - 1; index < items.length; index += 1) {
    const token = results[index]?.next.token;
    if (token === undefined || token === null) throw new Error('The model produced no next token in a verification batch.');
    predicted.push(token);
  }
  const { accepted, bonus } = constrainedAcceptance(predicted, draft, grammar);
  return { outputs: predicted.slice(0, bonus ? accepted + 1 : accepted), accepted, bonus };
}

/** How many leading draft tokens equal the model's prediction for their position (`predicted[i]` is the token after `draft[i - 1]`). */
export function acceptedDraftLength(predicted: readonly number[], draft: readonly number[]): number {
  return constrainedAcceptance(predicted, draft, undefined).accepted;
}

/**
 * Which draft tokens greedy decoding under a grammar would produce, from the unconstrained greedy
 * token at each position (`predicted[i]` follows `draft[i - 1]`). llama.cpp samples under a
 * grammar by taking the unconstrained greedy token when the grammar allows it, and otherwise
 * the greedy token among the allowed ones (its greedy sampler breaks ties by the lowest id, both
 * times, so the first rule never disagrees with the second). So where the grammar allows
 * `predicted[i]`, it is exactly what plain decoding emits: the draft token is accepted when it
 * equals it, and otherwise `predicted[i]` is the bonus token. Where the grammar rules it out,
 * the constrained choice is not known from the greedy token alone: verification stops there
 * with no bonus (what a plain step then samples decides). `grammar` advances along the accepted
 * tokens (pass a probe on a copy); absent, every token is allowed.
 */
export function constrainedAcceptance(
  predicted: readonly number[], draft: readonly number[], grammar: GrammarProbe | undefined,
): { accepted: number; bonus: boolean } {
  for (let index = 0; ; index += 1) {
    const token = predicted[index];
    if (token === undefined) return { accepted: index, bonus: false };
    if (grammar && !grammar.allows(token)) return { accepted: index, bonus: false };
    if (index >= draft.length || draft[index] !== token) return { accepted: index, bonus: true };
    grammar?.accept(token);
  }
}

/**
 * The longest draft prefix a grammar allows at all (`grammar`: a probe on a copy, advanced along
 * it). A token the grammar rules out can never be accepted, so verifying past it only costs.
 */
export function grammarAllowedPrefix(draft: readonly number[], grammar: GrammarProbe): number {
  let length = 0;
  for (const token of draft) {
    if (!grammar.allows(token)) break;
    grammar.accept(token);
    length += 1;
  }
  return length;
}
