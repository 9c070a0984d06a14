import { SpecialTokensText, type BuiltinSpecialTokenValue, type LlamaText, type Token, type Tokenizer } from 'node-llama-cpp';

/**
 * Text up to this many characters per allowed token is tokenized in one piece, exactly as the
 * model's tokenizer splits it. Code and prose average 3-5 characters per token, so every prompt
 * that can fit the window is tokenized exactly; only text that almost surely overflows is counted
 * in chunks, which lets the count stop at the window instead of tokenizing megabytes.
 */
export const EXACT_CHARS_PER_TOKEN = 8;
/**
 * Characters per chunk when counting oversized text. llama.cpp tokenizes about 100-300 KB/s on
 * one core and some vocabularies (Gemma's) slow down on long runs, so chunks stay small.
 */
export const COUNT_CHUNK_CHARS = 16 * 1024;

export interface BoundedTokenizeOptions {
  /** Tokenize as text that follows other text (no BOS, no leading-space prefix). */
  readonly trimLeadingSpace: boolean;
  /** Stop counting once the text has more tokens than this. */
  readonly maxTokens: number;
}

/** The tokens of a text, or proof that it has more than `maxTokens`. */
export type BoundedTokens =
  | { readonly kind: 'tokens'; readonly tokens: Token[] }
  | { readonly kind: 'exceeded'; readonly atLeast: number };

class Exceeded extends Error {
  constructor(readonly atLeast: number) {
    super('token limit exceeded');
  }
}

/**
 * Tokenizes `text` (special tokens honoured, as `LlamaText.tokenize` does) without doing more
 * than about `maxTokens` tokens of work: text too long for any tokenization to fit is refused
 * from its byte length (`maxTokenBytes`, the vocabulary's longest token, gives a lower bound on
 * the count), text that likely overflows is counted chunk by chunk and abandoned at the limit,
 * and the rest is tokenized exactly. Synchronous: run it off the event loop for large inputs.
 */
export function boundedTokenize(text: LlamaText, tokenizer: Tokenizer, maxTokenBytes: number, options: BoundedTokenizeOptions): BoundedTokens {
  const atLeast = minTokens(text, maxTokenBytes);
  if (atLeast > options.maxTokens) return { kind: 'exceeded', atLeast };
  const mode = options.trimLeadingSpace ? 'trimLeadingSpace' : undefined;
  if (textLength(text) <= options.maxTokens * EXACT_CHARS_PER_TOKEN) {
    const tokens = text.tokenize(tokenizer, mode);
    return tokens.length > options.maxTokens ? { kind: 'exceeded', atLeast: tokens.length } : { kind: 'tokens', tokens };
  }
  let counted = 0;
  const tokenizeCounting = (input: string, special?: boolean | 'builtin', tokenizeOptions?: 'trimLeadingSpace'): Token[] => {
    if (special === 'builtin') return tokenizer(input as BuiltinSpecialTokenValue, 'builtin');
    const tokens: Token[] = [];
    for (let start = 0, first = true; start < input.length || first; first = false) {
      const end = chunkEnd(input, start);
      const piece = tokenizer(input.slice(start, end), special, first ? tokenizeOptions : 'trimLeadingSpace');
      counted += piece.length;
      if (counted > options.maxTokens) throw new Exceeded(counted);
      for (const token of piece) tokens.push(token);
      start = end;
    }
    return tokens;
  };
  const counting = Object.assign(tokenizeCounting as Tokenizer, {
    detokenize: tokenizer.detokenize,
    isSpecialToken: (token: Token) => tokenizer.isSpecialToken(token),
    isEogToken: (token: Token) => tokenizer.isEogToken(token),
  });
  try {
    return { kind: 'tokens', tokens: text.tokenize(counting, mode) };
  } catch (error) {
    if (error instanceof Exceeded) return { kind: 'exceeded', atLeast: error.atLeast };
    throw error;
  }
}

/**
 * A lower bound on the token count of `text`: every token spells at most `maxTokenBytes` bytes
 * of it (the leading space some vocabularies add costs at most one token more than that).
 */
export function minTokens(text: LlamaText, maxTokenBytes: number): number {
  let bytes = 0;
  for (const value of text.values) {
    if (typeof value === 'string') bytes += Buffer.byteLength(value, 'utf8');
    // A SpecialToken is one token whatever its name; special-token text is spelled out.
    else if (value instanceof SpecialTokensText) bytes += Buffer.byteLength(value.value, 'utf8');
  }
  return Math.floor(bytes / Math.max(1, maxTokenBytes));
}

/** Characters of text in `text`, special token names not counted. */
export function textLength(text: LlamaText): number {
  let length = 0;
  for (const value of text.values) if (typeof value === 'string') length += value.length;
  return length;
}

/**
 * Where the chunk that starts at `start` ends: at a line break in the chunk's second half when
 * there is one (tokenizers rarely merge across one, so the pieces tokenize as the whole would),
 * never inside a surrogate pair.
 */
function chunkEnd(input: string, start: number): number {
  if (input.length - start <= COUNT_CHUNK_CHARS) return input.length;
  const limit = start + COUNT_CHUNK_CHARS;
  const newline = input.lastIndexOf('\n', limit);
  if (newline > start + COUNT_CHUNK_CHARS / 2) return newline;
  const code = input.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit + 1 : limit;
}

