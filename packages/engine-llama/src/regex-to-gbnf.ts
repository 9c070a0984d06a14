import { EngineError } from '@spark/engine';
import { gbnfLiteral } from './gbnf-literal.js';

/** Deepest group nesting a custom tool's regex may have; the converter recurses once per level. */
export const MAX_REGEX_NESTING = 64;

/** A piece of GBNF; `atomic` when a postfix operator (`?`, `+`, `*`, `{m,n}`) may follow it as is. */
export interface GbnfFragment {
  readonly text: string;
  readonly atomic: boolean;
}

export interface RegexToGbnfOptions {
  /** Request parameter named in refusals (e.g. `tools[0].format.definition`). */
  readonly param: string;
  /** Python's `re.DOTALL`: `.` matches a newline too. */
  readonly dotAll?: boolean;
  /** Accept `^` at the start and `$` at the end (a whole-input regex, where they mean nothing more). */
  readonly edgeAnchors?: boolean;
}

/** A class range, inclusive code points. */
type Range = readonly [number, number];

const DIGIT: readonly Range[] = [[0x30, 0x39]];
const WORD: readonly Range[] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: readonly Range[] = [[0x09, 0x0d], [0x20, 0x20]];
const SHORTHANDS: Readonly<Record<string, { ranges: readonly Range[]; negated: boolean }>> = {
  d: { ranges: DIGIT, negated: false }, D: { ranges: DIGIT, negated: true },
  w: { ranges: WORD, negated: false }, W: { ranges: WORD, negated: true },
  s: { ranges: SPACE, negated: false }, S: { ranges: SPACE, negated: true },
};
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, a: 0x07, '0': 0x00 };

/**
 * Converts the regular-expression subset custom tool grammars use (Python `re` syntax, as
 * Lark terminals and `syntax: 'regex'` formats write them) to a GBNF expression: literals,
 * escapes, `.` (any character but a newline), character classes with ranges and `\d\w\s`,
 * groups (plain, `(?:`, `(?P<name>`), alternation and the quantifiers `?` `*` `+` `{m}` `{m,}`
 * `{m,n}` (lazy forms match the same texts). Anchors, lookarounds, backreferences and flags
 * change what a generated text may be in ways a context-free grammar cannot follow here: they
 * are refused with EngineError 'invalid_request', never silently dropped.
 */
export function regexToGbnf(pattern: string, options: RegexToGbnfOptions): GbnfFragment {
  let body = pattern;
  if (options.edgeAnchors === true) {
    if (body.startsWith('^')) body = body.slice(1);
    if (body.endsWith('$') && !body.endsWith('\\$')) body = body.slice(0, -1);
  }
  const parser = new RegexParser(body, options);
  return parser.parse();
}

class RegexParser {
  private readonly source: string;
  private readonly options: RegexToGbnfOptions;
  private pos = 0;

  constructor(source: string, options: RegexToGbnfOptions) {
    this.source = source;
    this.options = options;
  }

  parse(): GbnfFragment {
    const fragment = this.alternation(0);
    if (this.pos < this.source.length) this.refuse(`an unmatched '${this.source[this.pos] ?? ''}'`);
    return fragment;
  }

  private alternation(depth: number): GbnfFragment {
    if (depth > MAX_REGEX_NESTING) this.refuse(`groups nested deeper than ${MAX_REGEX_NESTING}`);
    const options = [this.sequence(depth)];
    while (this.peek() === '|') {
      this.pos += 1;
      options.push(this.sequence(depth));
    }
    if (options.length === 1) return options[0] ?? { text: '""', atomic: true };
    return { text: `(${options.map((option) => option.text).join(' | ')})`, atomic: true };
  }

  private sequence(depth: number): GbnfFragment {
    const pieces: GbnfFragment[] = [];
    for (;;) {
      const char = this.peek();
      if (char === undefined || char === '|' || char === ')') break;
      const atom = this.atom(depth);
      pieces.push(this.quantified(atom));
    }
    const merged = mergeLiterals(pieces);
    if (merged.length === 0) return { text: '""', atomic: true };
    if (merged.length === 1) return merged[0] ?? { text: '""', atomic: true };
    return { text: merged.map((piece) => piece.text).join(' '), atomic: false };
  }

  private quantified(atom: GbnfFragment): GbnfFragment {
    const char = this.peek();
    let suffix: string | undefined;
    if (char === '?' || char === '*' || char === '+') {
      this.pos += 1;
      suffix = char;
    } else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.pos));
      if (match) {
        this.pos += match[0].length;
        const min = match[1] ?? '0';
        suffix = match[2] === undefined ? `{${min}}` : `{${min},${match[3] ?? ''}}`;
        if (match[3] !== undefined && match[3] !== '' && Number(match[3]) < Number(min)) this.refuse(`the quantifier ${match[0]}`);
      }
    }
    if (suffix === undefined) return atom;
    // A lazy quantifier matches the same texts; a possessive one is not Python's.
    if (this.peek() === '?') this.pos += 1;
    else if (this.peek() === '+') this.refuse('a possessive quantifier');
    const base = atom.atomic ? atom.text : `(${atom.text})`;
    return { text: `${base}${suffix}`, atomic: false };
  }

  private atom(depth: number): GbnfFragment {
    const char = this.next();
    switch (char) {
      case '(': return this.group(depth);
      case '[': return this.charClass();
      case '.': return { text: this.options.dotAll === true ? '.' : '[^\\n]', atomic: true };
      case '\\': return this.escape();
      case '^':
      case '$': return this.refuse(`the anchor '${char}'`);
      case '*':
      case '+':
      case '?': return this.refuse(`a '${char}' with nothing to repeat`);
      case '{': {
        if (/^\d+(,\d*)?\}/.test(this.source.slice(this.pos))) this.refuse(`a '{' quantifier with nothing to repeat`);
        return literalAtom('{');
      }
      default: return literalAtom(char);
    }
  }

  private group(depth: number): GbnfFragment {
    if (this.source.startsWith('?:', this.pos)) {
      this.pos += 2;
    } else if (this.source.startsWith('?P<', this.pos)) {
      const end = this.source.indexOf('>', this.pos);
      if (end < 0) this.refuse('an unterminated group name');
      this.pos = end + 1;
    } else if (this.peek() === '?') {
      this.refuse(`the group '(${this.source.slice(this.pos, this.pos + 3)}' (lookarounds, flags and backreferences are not supported)`);
    }
    const inner = this.alternation(depth + 1);
    if (this.peek() !== ')') this.refuse("an unclosed '('");
    this.pos += 1;
    // Alternations come parenthesized; a sequence gets parentheses only if a quantifier follows.
    return inner;
  }

  private charClass(): GbnfFragment {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos += 1;
    }
    const ranges: Range[] = [];
    let first = true;
    for (;;) {
      const char = this.peek();
      if (char === undefined) this.refuse("an unclosed '['");
      if (char === ']' && !first) {
        this.pos += 1;
        break;
      }
      first = false;
      const low = this.classMember();
      if (Array.isArray(low)) {
        ranges.push(...low);
        continue;
      }
      if (this.peek() === '-' && this.source[this.pos + 1] !== ']' && this.source[this.pos + 1] !== undefined) {
        this.pos += 1;
        const high = this.classMember();
        if (Array.isArray(high) || high < low) this.refuse('a character range whose ends are not single characters in order');
        ranges.push([low, high]);
      } else {
        ranges.push([low, low]);
      }
    }
    return { text: gbnfClass(ranges, negated), atomic: true };
  }

  /** One class member: a code point, or the ranges of a shorthand (`\d`, `\w`, `\s`). */
  private classMember(): number | Range[] {
    const char = this.next();
    if (char !== '\\') return char.codePointAt(0) ?? 0;
    const escaped = this.next();
    const shorthand = SHORTHANDS[escaped];
    if (shorthand) {
      if (shorthand.negated) this.refuse(`'\\${escaped}' inside a character class`);
      return [...shorthand.ranges];
    }
    if (escaped === 'b') return 0x08;
    return this.escapedCodePoint(escaped);
  }

  private escape(): GbnfFragment {
    const escaped = this.next();
    const shorthand = SHORTHANDS[escaped];
    if (shorthand) return { text: gbnfClass(shorthand.ranges, shorthand.negated), atomic: true };
    if ('bBAZ'.includes(escaped)) return this.refuse(`the anchor '\\${escaped}'`);
    if (/[1-9]/.test(escaped)) return this.refuse('a backreference');
    return literalAtom(String.fromCodePoint(this.escapedCodePoint(escaped)));
  }

  /** The character an escape (after the backslash) stands for; letters Python gives no meaning are refused. */
  private escapedCodePoint(escaped: string): number {
    const control = CONTROL_ESCAPES[escaped];
    if (control !== undefined) return control;
    const hexLength = escaped === 'x' ? 2 : escaped === 'u' ? 4 : escaped === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = this.source.slice(this.pos, this.pos + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) this.refuse(`a malformed '\\${escaped}' escape`);
      this.pos += hexLength;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) this.refuse(`a '\\${escaped}' escape past U+10FFFF`);
      return code;
    }
    if (/[A-Za-z0-9]/.test(escaped)) this.refuse(`the escape '\\${escaped}'`);
    return escaped.codePointAt(0) ?? 0;
  }

  private peek(): string | undefined {
    return this.source[this.pos];
  }

  /** The next whole character (a surrogate pair is one). */
  private next(): string {
    const code = this.source.codePointAt(this.pos);
    if (code === undefined) this.refuse('an unexpected end');
    const char = String.fromCodePoint(code ?? 0);
    this.pos += char.length;
    return char;
  }

  private refuse(what: string): never {
    throw new EngineError('invalid_request', `The custom tool's grammar uses a regular expression with ${what}, which Spark cannot turn into a grammar (at character ${this.pos}).`, { param: this.options.param });
  }
}

function literalAtom(char: string): GbnfFragment {
  return { text: gbnfLiteral(char), atomic: true };
}

/** Joins runs of quoted literals (`"a" "b"` -> `"ab"`), so a terminal reads as its text. */
function mergeLiterals(pieces: readonly GbnfFragment[]): GbnfFragment[] {
  const out: GbnfFragment[] = [];
  for (const piece of pieces) {
    const last = out.at(-1);
    if (last && isLiteral(last) && isLiteral(piece)) out[out.length - 1] = { text: `${last.text.slice(0, -1)}${piece.text.slice(1)}`, atomic: true };
    else out.push(piece);
  }
  return out;
}

function isLiteral(fragment: GbnfFragment): boolean {
  return fragment.atomic && fragment.text.length >= 2 && fragment.text.startsWith('"') && fragment.text.endsWith('"');
}

/** A GBNF character class; every member is hex-escaped where the GBNF parser gives it a meaning. */
export function gbnfClass(ranges: readonly Range[], negated: boolean): string {
  const members = ranges.map(([low, high]) => (low === high ? classChar(low) : `${classChar(low)}-${classChar(high)}`));
  return `[${negated ? '^' : ''}${members.join('')}]`;
}

function classChar(code: number): string {
  if (code === 0x0a) return '\\n';
  if (code === 0x09) return '\\t';
  if (code === 0x0d) return '\\r';
  if (code < 0x20 || code === 0x7f || '\\]^-["'.includes(String.fromCodePoint(code))) return `\\x${code.toString(16).padStart(2, '0')}`;
  return String.fromCodePoint(code);
}
