import { MAX_PAIR_CANDIDATES, type TokenIndex } from './token-index.js';

export interface DraftCursorOptions {
  /** Where the output starts in the source (a prediction: 0); undefined = find it by matching. */
  start?: number;
  /** Trailing output tokens that must match the source before a lost cursor re-anchors (at least 2). */
  minMatch: number;
  /** Longest match measured; longer matches count as equally good, and the nearer one wins. */
  maxMatch: number;
}

/**
 * Follows the output through a source token list and drafts what the source says comes next.
 * The source is a prediction (the text the client expects) or the prompt and output so far
 * (prompt lookup: then `source` and `history` are the same index). While the output keeps
 * matching, the cursor just moves along; when the output departs from the source (an edit),
 * the cursor is lost and re-found where the source again holds the output's last tokens,
 * preferring the longest match and then the nearest place after where it was lost: the
 * re-alignment OpenAI's Predicted Outputs does after a divergence.
 */
export class DraftCursor {
  private readonly source: TokenIndex;
  private readonly history: TokenIndex;
  private readonly minMatch: number;
  private readonly maxMatch: number;
  private cursor: number | undefined;
  /**
   * Output tokens in a row the source agrees with: those it predicted since it last failed, on
   * top of the context matched when it re-anchored (a 40-token match is as telling as 40 right
   * predictions; a 2-token one barely tells anything).
   */
  private run = 0;
  /** Where the cursor was last lost: re-anchoring prefers places after it. */
  private anchor = 0;
  /** History length at the last failed search (no use searching again before it grows). */
  private searchedAt = -1;

  constructor(source: TokenIndex, history: TokenIndex, options: DraftCursorOptions) {
    this.source = source;
    this.history = history;
    this.cursor = options.start;
    this.minMatch = Math.max(2, options.minMatch);
    this.maxMatch = Math.max(this.minMatch, options.maxMatch);
  }

  /**
   * Up to `max` tokens the source expects next; empty when it expects nothing. With prompt
   * lookup a match inside the output itself (a repeated line, a model stuck in a loop) ends at
   * the history's end; the draft then goes on as an overlapping copy, repeating the matched
   * stretch, because that is what the history will hold if the draft is right.
   */
  draft(max: number): number[] {
    const at = this.position();
    if (at === undefined || max <= 0) return [];
    const tokens = this.source.tokens.slice(at, at + max);
    const period = tokens.length;
    if (this.source === this.history) for (let index = period; index < max; index += 1) tokens.push(tokens[index - period] ?? 0);
    return tokens;
  }

  /** The one token the source expects next, if any. */
  expected(): number | undefined {
    const at = this.position();
    return at === undefined ? undefined : this.source.tokens[at];
  }

  /** Whether the cursor currently follows the source (without searching). */
  get synced(): boolean {
    return this.cursor !== undefined && this.cursor < this.source.length;
  }

  /** Output tokens in a row the source agrees with, up to now (see `run`). */
  get streak(): number {
    return this.run;
  }

  /** Moves past one output token; call it after the token was appended to the history. */
  advance(token: number): void {
    if (this.cursor !== undefined && this.source.tokens[this.cursor] === token) {
      this.cursor += 1;
      this.run += 1;
      return;
    }
    if (this.cursor !== undefined) this.anchor = this.cursor;
    this.cursor = undefined;
    this.run = 0;
  }

  private position(): number | undefined {
    if (this.cursor === undefined && this.searchedAt !== this.history.length) {
      const found = this.find();
      this.cursor = found?.position;
      this.run = found?.length ?? 0;
      if (found === undefined) this.searchedAt = this.history.length;
    }
    return this.cursor !== undefined && this.cursor < this.source.length ? this.cursor : undefined;
  }

  /** The best place in the source after the output's last tokens, and how many tokens matched there; see the class comment. */
  private find(): { position: number; length: number } | undefined {
    const output = this.history.tokens;
    const end = output.length;
    const last = output[end - 1];
    const beforeLast = output[end - 2];
    if (last === undefined || beforeLast === undefined) return undefined;
    const source = this.source.tokens;
    const candidates = this.source.after(beforeLast, last);
    if (candidates.length === 0) return undefined;
    // Look around the anchor: the nearest candidates after it first, then those before it.
    const split = lowerBound(candidates, this.anchor);
    const half = MAX_PAIR_CANDIDATES / 2;
    let best: number | undefined;
    let bestLength = 0;
    let bestDistance = Infinity;
    const consider = (position: number): void => {
      // Nothing follows it (with prompt lookup: the output's own last tokens).
      if (position < 2 || position >= source.length || (this.source === this.history && position >= end)) return;
      let length = 2;
      while (length < this.maxMatch && position - 1 - length >= 0 && end - 1 - length >= 0 && source[position - 1 - length] === output[end - 1 - length]) length += 1;
      if (length < this.minMatch) return;
      const distance = position >= this.anchor ? position - this.anchor : source.length + this.anchor - position;
      if (length > bestLength || (length === bestLength && distance < bestDistance)) {
        best = position;
        bestLength = length;
        bestDistance = distance;
      }
    };
    for (let index = split; index < candidates.length && index < split + half; index += 1) consider(candidates[index] ?? -1);
    for (let index = split - 1; index >= 0 && index >= split - half; index -= 1) consider(candidates[index] ?? -1);
    return best === undefined ? undefined : { position: best, length: bestLength };
  }
}

/** First index whose value is >= `value` in an ascending list. */
function lowerBound(list: readonly number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle] ?? Infinity) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
