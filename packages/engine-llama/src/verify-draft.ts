import type { ControlledEvaluateInputItem, LlamaContextSequence, Token } from 'node-llama-cpp';

/** Greedy next-token output at a batch position. */
const GREEDY_NEXT = { generateNext: { token: true, options: { temperature: 0 } } } as const;

export interface VerifiedDraft {
  /**
   * The model's greedy token after the last pending token and after each accepted draft token:
   * the accepted draft tokens, then the model's own next token (`accepted + 1` tokens).
   */
  readonly outputs: readonly Token[];
  /** Leading draft tokens that the model would have produced itself. */
  readonly accepted: number;
}

/**
 * Evaluates the pending tokens and the whole draft in one batch, taking the greedy next token
 * at every position from the last pending token on, and accepts the longest draft prefix the
 * model agrees with. The sequence is left holding every evaluated token: the caller erases the
 * rejected tail.
 */
export async function verifyDraft(sequence: LlamaContextSequence, pending: readonly Token[], draft: readonly Token[]): Promise<VerifiedDraft> {
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
  const accepted = acceptedDraftLength(predicted, draft);
  return { outputs: predicted.slice(0, accepted + 1), accepted };
}

/** How many leading draft tokens equal the model's prediction for their position (`predicted[i]` is the token after `draft[i - 1]`). */
export function acceptedDraftLength(predicted: readonly number[], draft: readonly number[]): number {
  let accepted = 0;
  while (accepted < draft.length && predicted[accepted] === draft[accepted]) accepted += 1;
  return accepted;
}
