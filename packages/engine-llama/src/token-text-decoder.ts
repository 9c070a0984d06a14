/** Detokenizes `tokens`, with `lastTokens` as preceding context (for leading-space heuristics). */
export type DetokenizeFn = (tokens: readonly number[], lastTokens: readonly number[]) => string;

/** A UTF-8 character spans at most 4 bytes, so at most 4 byte-level tokens. */
export const MAX_PENDING_TOKENS = 4;
/** How many previous tokens are passed as detokenizer context. */
const CONTEXT_TOKENS = 16;
const REPLACEMENT_CHAR = '\uFFFD';

/**
 * Turns a token stream into text without ever emitting half a multibyte character: a token
 * whose text ends in U+FFFD (an incomplete UTF-8 sequence) is held until the following tokens
 * complete it, for at most MAX_PENDING_TOKENS tokens.
 */
export class TokenTextDecoder {
  private readonly detokenize: DetokenizeFn;
  private pending: number[] = [];
  private context: number[];

  constructor(detokenize: DetokenizeFn, contextTokens: readonly number[] = []) {
    this.detokenize = detokenize;
    this.context = contextTokens.slice(-CONTEXT_TOKENS);
  }

  /** Adds a token; returns the text that became complete (often the token's own text). */
  push(token: number): string {
    this.pending.push(token);
    const text = this.detokenize(this.pending, this.context);
    if (text.endsWith(REPLACEMENT_CHAR) && this.pending.length < MAX_PENDING_TOKENS) return '';
    this.commit();
    return text;
  }

  /** Releases whatever is pending, complete or not (the stream ended). */
  flush(): string {
    if (this.pending.length === 0) return '';
    const text = this.detokenize(this.pending, this.context);
    this.commit();
    return text;
  }

  /** Tokens held back waiting for the rest of a character. */
  get pendingTokens(): readonly number[] {
    return this.pending;
  }

  private commit(): void {
    this.context = [...this.context, ...this.pending].slice(-CONTEXT_TOKENS);
    this.pending = [];
  }
}
