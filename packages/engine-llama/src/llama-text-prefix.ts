import { LlamaText, SpecialToken, SpecialTokensText, type LlamaTextValue } from 'node-llama-cpp';

/**
 * Splits special-token text into its regular text and its special tokens (numbers), as the
 * tokenizer would (`SpecialTokensText.tokenizeSpecialTokensOnly`).
 */
export type SplitSpecialText = (text: string) => ReadonlyArray<string | number>;

/**
 * `text` without its leading `prefix`, compared value by value: every value of `prefix` equals
 * the value of `text` at the same place (same kind, same text), except that its last value may
 * be the start of `text`'s value of the same kind. Undefined when `prefix` does not start `text`.
 * Both come from the same chat wrapper, so equal renders have equal values.
 */
export function stripLlamaTextPrefix(text: LlamaText, prefix: LlamaText): LlamaText | undefined {
  const values = text.values;
  const head = prefix.values;
  for (let i = 0; i < head.length; i++) {
    const want = head[i];
    const have = values[i];
    if (want === undefined || have === undefined) return undefined;
    if (sameValue(want, have)) continue;
    if (i !== head.length - 1) return undefined;
    const rest = valueRemainder(have, want);
    return rest === undefined ? undefined : LlamaText([rest, ...values.slice(i + 1)]);
  }
  return LlamaText(values.slice(head.length));
}

/** The longest common start of `a` and `b`, compared as in `stripLlamaTextPrefix`. */
export function commonLlamaTextPrefix(a: LlamaText, b: LlamaText): LlamaText {
  const common: LlamaTextValue[] = [];
  const length = Math.min(a.values.length, b.values.length);
  for (let i = 0; i < length; i++) {
    const x = a.values[i];
    const y = b.values[i];
    if (x === undefined || y === undefined) break;
    if (sameValue(x, y)) {
      common.push(x);
      continue;
    }
    const shared = sharedStart(x, y);
    if (shared !== undefined) common.push(shared);
    break;
  }
  return LlamaText(common);
}

/**
 * How many characters of `plain` (regular text, e.g. a model's detokenized output) start `text`.
 * Plain text compares equal to plain values and to the regular parts of special-token texts
 * (a wrapper may spell `(` as special text); a special token or builtin token ends the match,
 * since plain text never tokenizes to one.
 */
export function matchLeadingPlainText(text: LlamaText, plain: string, split: SplitSpecialText): number {
  let matched = 0;
  const compare = (piece: string): boolean => {
    const shared = sharedLength(piece, plain, matched);
    matched += shared;
    return shared === piece.length && matched < plain.length;
  };
  for (const value of text.values) {
    if (matched >= plain.length) break;
    if (typeof value === 'string') {
      if (!compare(value)) break;
    } else if (value instanceof SpecialTokensText) {
      let goOn = true;
      for (const part of split(value.value)) {
        if (typeof part !== 'string' || !compare(part)) {
          goOn = false;
          break;
        }
      }
      if (!goOn) break;
    } else {
      break;
    }
  }
  return matched;
}

/**
 * `text` without its first `count` characters (plain or special-token text; a cut inside a
 * special-token text keeps the remainder special). Throws if that would split a builtin token.
 */
export function dropLeadingChars(text: LlamaText, count: number): LlamaText {
  let left = count;
  const values = text.values;
  for (let i = 0; i < values.length; i++) {
    if (left === 0) return LlamaText(values.slice(i));
    const value = values[i];
    if (value === undefined || value instanceof SpecialToken) throw new RangeError('cannot drop characters across a builtin special token');
    const chars = typeof value === 'string' ? value : value.value;
    if (left < chars.length) {
      const rest = chars.slice(left);
      return LlamaText([typeof value === 'string' ? rest : new SpecialTokensText(rest), ...values.slice(i + 1)]);
    }
    left -= chars.length;
  }
  if (left > 0) throw new RangeError('cannot drop more characters than the text has');
  return LlamaText([]);
}

/** Characters of plain and special-token text (builtin tokens count as none). */
export function llamaTextLength(text: LlamaText): number {
  let length = 0;
  for (const value of text.values) {
    if (typeof value === 'string') length += value.length;
    else if (value instanceof SpecialTokensText) length += value.value.length;
  }
  return length;
}

function sameValue(a: LlamaTextValue, b: LlamaTextValue): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a instanceof SpecialTokensText && b instanceof SpecialTokensText) return a.value === b.value;
  if (a instanceof SpecialToken && b instanceof SpecialToken) return a.value === b.value;
  return false;
}

/** What follows `start` in `value` when both are text of the same kind and `start` begins it. */
function valueRemainder(value: LlamaTextValue, start: LlamaTextValue): LlamaTextValue | undefined {
  if (typeof value === 'string' && typeof start === 'string') return value.startsWith(start) ? value.slice(start.length) : undefined;
  if (value instanceof SpecialTokensText && start instanceof SpecialTokensText) {
    return value.value.startsWith(start.value) ? new SpecialTokensText(value.value.slice(start.value.length)) : undefined;
  }
  return undefined;
}

/** The common start of two values of the same text kind. */
function sharedStart(a: LlamaTextValue, b: LlamaTextValue): LlamaTextValue | undefined {
  if (typeof a === 'string' && typeof b === 'string') return a.slice(0, wholeChars(a, sharedLength(a, b, 0)));
  if (a instanceof SpecialTokensText && b instanceof SpecialTokensText) {
    const length = wholeChars(a.value, sharedLength(a.value, b.value, 0));
    return length === 0 ? undefined : new SpecialTokensText(a.value.slice(0, length));
  }
  return undefined;
}

/** `length`, moved back one unit if it would split a surrogate pair. */
function wholeChars(text: string, length: number): number {
  const code = text.charCodeAt(length - 1);
  return length > 0 && code >= 0xd800 && code <= 0xdbff ? length - 1 : length;
}

/** How many leading characters of `piece` equal `plain` from `offset` on. */
function sharedLength(piece: string, plain: string, offset: number): number {
  const max = Math.min(piece.length, plain.length - offset);
  let i = 0;
  while (i < max && piece.charCodeAt(i) === plain.charCodeAt(offset + i)) i++;
  return i;
}
