import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/** What the check reads of a sequence (node-llama-cpp's `LlamaContextSequence`, or a test's stand-in). */
export type WindowedSequence = Pick<LlamaContextSequence, 'compareContextTokens' | 'nextTokenIndex' | 'stateCellsStartIndex' | 'needsCheckpoints'> & {
  readonly model: { readonly fileInsights: Pick<LlamaContextSequence['model']['fileInsights'], 'swaSize' | 'isHybrid' | 'isRecurrent'> };
};

/**
 * The part of `tokens` a sequence may keep when it is cut back to them, exactly. With
 * window-sized caches (`swaFullCache: false`), llama.cpp recycles a sliding-window layer's cells
 * once they fall out of the window of the newest token, so after a cut at `k` the next token
 * attends over the cells from `k - window` on, and some of those may be gone. node-llama-cpp
 * only checks that the cut lies above the oldest cell still held; it then keeps the state and
 * the next tokens attend over a window with a hole (a slightly different model, silently).
 * This applies llama-server's rule instead (the oldest cell held must be at most `k - window`):
 * when it fails, the prefix is shortened to at most that oldest cell, which sends
 * node-llama-cpp down its exact path (a checkpoint at or before the cut, or a fresh prefill).
 * Prefix reuse is where such deep cuts happen, so that is where this runs. A rejected
 * speculative draft's cut (`truncate` in decode-loop) needs no check: it lies inside the batch
 * decoded last, and the cells recycled for that batch were outside its first token's window.
 */
export function windowSafePrefix(sequence: WindowedSequence, tokens: Token[]): Token[] {
  const insights = sequence.model.fileInsights;
  const window = insights.swaSize;
  if (!sequence.needsCheckpoints || window === undefined || window <= 0 || insights.isHybrid || insights.isRecurrent) return tokens;
  const kept = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, tokens.length);
  // Only appending: nothing is cut.
  if (kept >= sequence.nextTokenIndex) return tokens;
  const oldest = sequence.stateCellsStartIndex;
  if (oldest <= Math.max(0, kept - window)) return tokens;
  return tokens.slice(0, Math.min(kept, Math.max(0, oldest)));
}
