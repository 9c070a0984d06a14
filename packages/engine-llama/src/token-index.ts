/** Token ids stay below this (2^20; the largest vocabularies have about 2^18), so a pair packs into one number. */
const PAIR_BASE = 0x100000;
/** Candidates one lookup examines for a very common pair (e.g. indentation), newest first. */
export const MAX_PAIR_CANDIDATES = 256;

/**
 * A token list that can only grow, indexed by adjacent pairs: where each pair occurs, as the
 * position of the token after it (where a continuation of that pair would start).
 */
export class TokenIndex {
  private readonly list: number[] = [];
  private readonly pairs = new Map<number, number[]>();

  constructor(tokens: readonly number[] = []) {
    for (const token of tokens) this.push(token);
  }

  get tokens(): readonly number[] {
    return this.list;
  }

  get length(): number {
    return this.list.length;
  }

  push(token: number): void {
    const previous = this.list.at(-1);
    this.list.push(token);
    if (previous === undefined) return;
    const key = pairKey(previous, token);
    const positions = this.pairs.get(key);
    if (positions) positions.push(this.list.length);
    else this.pairs.set(key, [this.list.length]);
  }

  /** Positions right after each occurrence of the pair `first, second`, oldest first. */
  after(first: number, second: number): readonly number[] {
    return this.pairs.get(pairKey(first, second)) ?? [];
  }
}

function pairKey(first: number, second: number): number {
  return first * PAIR_BASE + second;
}
