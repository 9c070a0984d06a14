/** What slot selection needs to know about one pool slot. */
export interface SlotView {
  readonly busy: boolean;
  /** Tokens currently held in the slot's KV cache. */
  readonly tokens: readonly number[];
  /** Monotonic stamp of the last release; lower = less recently used. 0 = never used. */
  readonly lastUsed: number;
  readonly cacheKey: string | undefined;
}

export interface SlotPick {
  index: number;
  /** Tokens of the prompt already in that slot's KV cache. */
  commonPrefix: number;
}

/**
 * Shared prefixes shorter than this are not worth evicting another cache for: every prompt of a
 * chat template starts with the same few tokens (BOS, the first role header).
 */
export const MIN_PREFIX_REUSE_TOKENS = 16;

/**
 * Copying another sequence's KV prefix (a fork) must save at least this many tokens of prefill
 * over the prefix the picked sequence already holds; below it, a copy (whole-cache memcpy or a
 * state file) is not clearly cheaper than evaluating the tokens.
 */
export const MIN_KV_COPY_TOKENS = 256;

/** Number of leading elements `a` and `b` share. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a[i] === b[i]) i++;
  return i;
}

/**
 * Picks the idle slot to run a prompt on. The longest common token prefix wins (the most KV to
 * reuse) when it reaches MIN_PREFIX_REUSE_TOKENS; otherwise nothing worth keeping is shared and
 * the least recently used slot is taken (empty ones first), so other conversations' caches
 * survive. An empty slot also beats a match that would discard more cached tokens than it reuses. Ties go to a slot last used with the same cache key, then to the least recently
 * used. Undefined when every slot is busy.
 */
export function pickSequenceSlot(slots: readonly SlotView[], prompt: readonly number[], cacheKey?: string): SlotPick | undefined {
  let best: Candidate | undefined;
  let empty: number | undefined;
  slots.forEach((slot, index) => {
    if (slot.busy) return;
    if (slot.tokens.length === 0 && empty === undefined) empty = index;
    const commonPrefix = commonPrefixLength(slot.tokens, prompt);
    const candidate: Candidate = {
      index,
      commonPrefix,
      score: commonPrefix >= MIN_PREFIX_REUSE_TOKENS ? commonPrefix : 0,
      keyMatch: cacheKey !== undefined && slot.cacheKey === cacheKey,
      lastUsed: slot.lastUsed,
    };
    if (!best || isBetter(candidate, best)) best = candidate;
  });
  // Reusing a short shared prefix (two prompts that share only a system message) would discard
  // more of another conversation's cache than it saves; a never-used slot loses nothing.
  const held = best === undefined ? 0 : slots[best.index]?.tokens.length ?? 0;
  if (best && empty !== undefined && best.score > 0 && held - best.commonPrefix > best.commonPrefix) return { index: empty, commonPrefix: 0 };
  return best && { index: best.index, commonPrefix: best.commonPrefix };
}

interface Candidate extends SlotPick {
  score: number;
  keyMatch: boolean;
  lastUsed: number;
}

function isBetter(a: Candidate, b: Candidate): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.keyMatch !== b.keyMatch) return a.keyMatch;
  return a.lastUsed < b.lastUsed;
}

/**
 * A slot to copy a KV prefix from instead of prefilling it: the one, busy or idle, other than
 * the picked slot, whose tokens (for a busy slot: the prompt it was lent for) share the longest
 * prefix with the prompt, when that prefix beats the picked slot's by at least `minTokens`. An
 * idle slot never does (the pick already took the best idle one), so in practice it is a busy
 * sequence holding the history a concurrent request forks from.
 */
export function pickCopySource(slots: readonly SlotView[], prompt: readonly number[], pick: SlotPick, minTokens: number): SlotPick | undefined {
  let best: SlotPick | undefined;
  slots.forEach((slot, index) => {
    if (index === pick.index) return;
    const commonPrefix = commonPrefixLength(slot.tokens, prompt);
    if (!best || commonPrefix > best.commonPrefix) best = { index, commonPrefix };
  });
  return best && best.commonPrefix - pick.commonPrefix >= minTokens ? best : undefined;
}
