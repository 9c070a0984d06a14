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
 * survive. Ties go to a slot last used with the same cache key, then to the least recently
 * used. Undefined when every slot is busy.
 */
export function pickSequenceSlot(slots: readonly SlotView[], prompt: readonly number[], cacheKey?: string): SlotPick | undefined {
  let best: Candidate | undefined;
  slots.forEach((slot, index) => {
    if (slot.busy) return;
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
