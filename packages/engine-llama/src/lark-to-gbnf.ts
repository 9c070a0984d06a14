import { EngineError } from '@spark/engine';
import { gbnfLiteral } from './gbnf-literal.js';
import { gbnfClass, regexToGbnf, type GbnfFragment } from './regex-to-gbnf.js';

/** Deepest nesting of `(...)`/`[...]` a Lark grammar may have; the converter recurses once per level. */
export const MAX_LARK_NESTING = 64;

/** A custom tool's grammar as the request gives it (`format: {type: 'grammar', syntax, definition}`). */
export interface CustomToolGrammar {
  readonly syntax: 'lark' | 'regex';
  readonly definition: string;
}

/**
 * GBNF for a custom tool's grammar: Lark through `larkToGbnf`, a regex as the whole input. A
 * grammar outside the supported subset is refused (EngineError 'invalid_request' naming the
 * construct, on `param`), so the request fails with a 400 rather than decoding unconstrained.
 */
export function customToolGbnf(grammar: CustomToolGrammar, param: string): string {
  if (grammar.syntax === 'lark') return larkToGbnf(grammar.definition, param);
  return `root ::= ${regexToGbnf(grammar.definition, { param, edgeAnchors: true }).text}\n`;
}

/**
 * Lark's `common` terminals this converter knows, as GBNF (lark/grammars/common.lark). Codex's
 * apply_patch grammar imports `common.LF`.
 */
const COMMON_TERMINALS: Readonly<Record<string, string>> = {
  LF: '"\\n"',
  CR: '"\\r"',
  NEWLINE: '("\\r"? "\\n")+',
  WS: '[ \\t\\x0c\\r\\n]+',
  WS_INLINE: '[ \\t]+',
  DIGIT: '[0-9]',
  HEXDIGIT: '[0-9a-fA-F]',
  INT: '[0-9]+',
  SIGNED_INT: '[+\\x2d]? [0-9]+',
  LCASE_LETTER: '[a-z]',
  UCASE_LETTER: '[A-Z]',
  LETTER: '[a-zA-Z]',
  WORD: '[a-zA-Z]+',
  CNAME: '[_a-zA-Z] [_a-zA-Z0-9]*',
};

type Token =
  | { type: 'name'; value: string; at: number }
  | { type: 'string'; value: string; at: number }
  | { type: 'regex'; value: string; flags: string; at: number }
  | { type: 'number'; value: number; at: number }
  | { type: 'op'; value: string; at: number }
  | { type: 'directive'; value: string; at: number }
  | { type: 'newline'; at: number };

/**
 * Converts the Lark subset that freeform tool grammars use (Codex's apply_patch among them) to
 * GBNF for llama.cpp: rules and terminals (`name: ...`, `NAME: ...`, continuation lines that
 * start with `|`), string literals, `"a".."z"` ranges, `/regex/` (see `regexToGbnf`; flag `s`
 * only), `|`, `( )`, `[ ]`, `?` `+` `*`, `~ n` and `~ n..m`, `-> alias` (tree shaping, no
 * effect on the language), the `?`/`!` rule prefixes, `//` comments and `%import common.X` for
 * the terminals in COMMON_TERMINALS; `start` becomes `root`. The grammar is read as a
 * context-free grammar: Lark's lexer could refuse a few texts the CFG accepts, never the
 * reverse. Everything else (`%ignore`, priorities, templates, flags other than `s`, other
 * imports) is refused with EngineError 'invalid_request' on `param`.
 */
export function larkToGbnf(definition: string, param: string): string {
  return new LarkConverter(definition, param).convert();
}

class LarkConverter {
  private readonly source: string;
  private readonly param: string;
  private readonly tokens: Token[];
  private pos = 0;
  /** Lark name -> GBNF name, for every rule, terminal and import. */
  private readonly names = new Map<string, string>();
  private readonly used = new Set<string>(['root']);
  private readonly rules: Array<{ name: string; body: string }> = [];
  private readonly imported: Array<{ name: string; body: string }> = [];
  private readonly referenced = new Map<string, number>();

  constructor(source: string, param: string) {
    this.source = source;
    this.param = param;
    this.tokens = this.tokenize();
  }

  convert(): string {
    const bodies: Array<{ lark: string; tokens: { start: number; end: number } }> = [];
    // First pass: names of every definition, so references may come before definitions.
    while (this.pos < this.tokens.length) {
      const token = this.tokens[this.pos];
      if (!token || token.type === 'newline') {
        this.pos += 1;
        continue;
      }
      if (token.type === 'directive') {
        this.directive(token);
        continue;
      }
      if (token.type !== 'name') this.refuse(`'${describe(token)}' where a rule definition should start`, token.at);
      const name = token.value.replace(/^[?!]/, '');
      this.pos += 1;
      const after = this.tokens[this.pos];
      if (after?.type === 'op' && after.value === '.') this.refuse(`the priority on '${name}'`, after.at);
      if (after?.type === 'op' && after.value === '{') this.refuse(`the template '${name}'`, after.at);
      if (after?.type !== 'op' || after.value !== ':') this.refuse(`a definition of '${name}' without ':'`, after?.at ?? token.at);
      this.pos += 1;
      if (this.names.has(name)) this.refuse(`a second definition of '${name}'`, token.at);
      this.names.set(name, this.gbnfName(name));
      const start = this.pos;
      this.skipDefinitionBody();
      bodies.push({ lark: name, tokens: { start, end: this.pos } });
    }
    if (!this.names.has('start')) this.refuse("no 'start' rule", 0);
    for (const body of bodies) {
      this.pos = body.tokens.start;
      const expression = this.expansions(body.tokens.end, 0);
      if (this.pos !== body.tokens.end) this.refuse(`'${describe(this.tokens[this.pos])}'`, this.tokens[this.pos]?.at ?? 0);
      this.rules.push({ name: this.names.get(body.lark) ?? body.lark, body: expression.text });
    }
    for (const [name, at] of this.referenced) {
      if (!this.names.has(name)) this.refuse(`'${name}', which is never defined`, at);
    }
    const root = this.rules.find((rule) => rule.name === 'root');
    const others = this.rules.filter((rule) => rule !== root);
    return [root, ...others, ...this.imported].map((rule) => (rule ? `${rule.name} ::= ${rule.body}\n` : '')).join('');
  }

  /** `%import common.X [-> Y]` or `%import common (X, Y)`; any other directive is refused. */
  private directive(token: Extract<Token, { type: 'directive' }>): void {
    if (token.value !== 'import') this.refuse(`the directive '%${token.value}'`, token.at);
    this.pos += 1;
    const module = this.tokens[this.pos];
    if (module?.type !== 'name') this.refuse("an '%import' without a module", token.at);
    const dotted = module.value.split('.');
    const imports: Array<{ name: string; as: string }> = [];
    this.pos += 1;
    if (dotted.length === 2 && dotted[0] === 'common') {
      const name = dotted[1] ?? '';
      let as = name;
      const arrow = this.tokens[this.pos];
      if (arrow?.type === 'op' && arrow.value === '->') {
        const alias = this.tokens[this.pos + 1];
        if (alias?.type !== 'name') this.refuse("an '->' without a name", arrow.at);
        as = alias.value;
        this.pos += 2;
      }
      imports.push({ name, as });
    } else if (dotted.length === 1 && dotted[0] === 'common' && this.isOp('(')) {
      this.pos += 1;
      for (;;) {
        const name = this.tokens[this.pos];
        if (name?.type !== 'name') this.refuse("an '%import common (...)' list without names", token.at);
        imports.push({ name: name.value, as: name.value });
        this.pos += 1;
        if (this.isOp(',')) this.pos += 1;
        else break;
      }
      if (!this.isOp(')')) this.refuse("an unclosed '%import common (' list", token.at);
      this.pos += 1;
    } else {
      this.refuse(`the import of '${module.value}' (only Lark's common terminals are known)`, module.at);
    }
    for (const { name, as } of imports) {
      const body = COMMON_TERMINALS[name];
      if (body === undefined) this.refuse(`the import of 'common.${name}' (known: ${Object.keys(COMMON_TERMINALS).join(', ')})`, token.at);
      if (this.names.has(as)) this.refuse(`a second definition of '${as}'`, token.at);
      const gbnf = this.gbnfName(as);
      this.names.set(as, gbnf);
      this.imported.push({ name: gbnf, body });
    }
    const end = this.tokens[this.pos];
    if (end !== undefined && end.type !== 'newline') this.refuse(`'${describe(end)}' after an '%import'`, end.at);
  }

  /** Moves past a definition's body: up to a newline not followed by a `|` continuation. */
  private skipDefinitionBody(): void {
    while (this.pos < this.tokens.length) {
      const token = this.tokens[this.pos];
      if (token?.type === 'newline') {
        let ahead = this.pos;
        while (this.tokens[ahead]?.type === 'newline') ahead += 1;
        const next = this.tokens[ahead];
        if (next?.type === 'op' && next.value === '|') {
          this.pos = ahead;
          continue;
        }
        return;
      }
      this.pos += 1;
    }
  }

  private expansions(end: number, depth: number): GbnfFragment {
    if (depth > MAX_LARK_NESTING) this.refuse(`groups nested deeper than ${MAX_LARK_NESTING}`, this.tokens[this.pos]?.at ?? 0);
    const options = [this.alias(end, depth)];
    for (;;) {
      this.skipNewlines(end);
      if (!this.isOp('|')) break;
      this.pos += 1;
      options.push(this.alias(end, depth));
    }
    if (options.length === 1) return options[0] ?? { text: '""', atomic: true };
    return { text: `(${options.map((option) => option.text).join(' | ')})`, atomic: true };
  }

  private alias(end: number, depth: number): GbnfFragment {
    const expansion = this.expansion(end, depth);
    if (this.isOp('->')) {
      // An alias names the tree node; it does not change what text matches.
      const name = this.tokens[this.pos + 1];
      if (name?.type !== 'name') this.refuse("an '->' without a name", this.tokens[this.pos]?.at ?? 0);
      this.pos += 2;
    }
    return expansion;
  }

  private expansion(end: number, depth: number): GbnfFragment {
    const items: GbnfFragment[] = [];
    for (;;) {
      this.skipNewlines(end);
      if (this.pos >= end) break;
      const token = this.tokens[this.pos];
      if (!token || (token.type === 'op' && ['|', ')', ']', '->'].includes(token.value))) break;
      items.push(this.quantified(this.atom(end, depth), end));
    }
    if (items.length === 0) return { text: '""', atomic: true };
    if (items.length === 1) return items[0] ?? { text: '""', atomic: true };
    return { text: items.map((item) => item.text).join(' '), atomic: false };
  }

  private quantified(atom: GbnfFragment, end: number): GbnfFragment {
    if (this.pos >= end) return atom;
    const token = this.tokens[this.pos];
    if (token?.type !== 'op') return atom;
    const base = atom.atomic ? atom.text : `(${atom.text})`;
    if (token.value === '?' || token.value === '*' || token.value === '+') {
      this.pos += 1;
      return { text: `${base}${token.value}`, atomic: false };
    }
    if (token.value === '~') {
      const min = this.tokens[this.pos + 1];
      if (min?.type !== 'number') this.refuse("a '~' without a count", token.at);
      this.pos += 2;
      let max = min.value;
      if (this.isOp('..')) {
        const upper = this.tokens[this.pos + 1];
        if (upper?.type !== 'number' || upper.value < min.value) this.refuse("a '~ n..m' range whose ends are not counts in order", token.at);
        max = upper.value;
        this.pos += 2;
      }
      return { text: `${base}{${min.value}${max === min.value ? '' : `,${max}`}}`, atomic: false };
    }
    return atom;
  }

  private atom(end: number, depth: number): GbnfFragment {
    const token = this.tokens[this.pos];
    if (!token) this.refuse('an unexpected end', this.source.length);
    this.pos += 1;
    switch (token.type) {
      case 'string': {
        if (this.isOp('..')) {
          const high = this.tokens[this.pos + 1];
          if (high?.type !== 'string' || [...token.value].length !== 1 || [...high.value].length !== 1) this.refuse("a '..' range whose ends are not single characters", token.at);
          this.pos += 2;
          const low = token.value.codePointAt(0) ?? 0;
          const top = high.value.codePointAt(0) ?? 0;
          if (top < low) this.refuse("a '..' range whose ends are out of order", token.at);
          return { text: gbnfClass([[low, top]], false), atomic: true };
        }
        return { text: gbnfLiteral(token.value), atomic: true };
      }
      case 'regex': {
        const flags = token.flags.replace('s', '');
        if (flags !== '') this.refuse(`the regular expression flags '${token.flags}'`, token.at);
        return regexToGbnf(token.value, { param: this.param, dotAll: token.flags.includes('s') });
      }
      case 'name': {
        if (token.value.includes('.')) this.refuse(`the dotted name '${token.value}'`, token.at);
        if (this.isOp('{')) this.refuse(`the template use '${token.value}{...}'`, token.at);
        if (!this.referenced.has(token.value)) this.referenced.set(token.value, token.at);
        return { text: this.names.get(token.value) ?? token.value, atomic: true };
      }
      case 'op': {
        if (token.value === '(' || token.value === '[') {
          const close = token.value === '(' ? ')' : ']';
          const inner = this.expansions(end, depth + 1);
          this.skipNewlines(end);
          if (!this.isOp(close)) this.refuse(`an unclosed '${token.value}'`, token.at);
          this.pos += 1;
          if (close === ']') return { text: `${inner.atomic ? inner.text : `(${inner.text})`}?`, atomic: false };
          return inner;
        }
        return this.refuse(`'${token.value}'`, token.at);
      }
      default:
        return this.refuse(`'${describe(token)}'`, token.at);
    }
  }

  private skipNewlines(end: number): void {
    while (this.pos < end && this.tokens[this.pos]?.type === 'newline') this.pos += 1;
  }

  private isOp(value: string): boolean {
    const token = this.tokens[this.pos];
    return token?.type === 'op' && token.value === value;
  }

  /** A GBNF rule name for a Lark name: `_` becomes `-` (GBNF names are letters, digits, `-`), `start` is `root`. */
  private gbnfName(lark: string): string {
    if (lark === 'start') return 'root';
    const base = lark.replace(/_/g, '-').replace(/^-+|-+$/g, '') || 'rule';
    let name = base;
    for (let n = 2; this.used.has(name); n += 1) name = `${base}-${n}`;
    this.used.add(name);
    return name;
  }

  private tokenize(): Token[] {
    const tokens: Token[] = [];
    const text = this.source;
    let i = 0;
    while (i < text.length) {
      const char = text[i] ?? '';
      if (char === '\n') {
        tokens.push({ type: 'newline', at: i });
        i += 1;
      } else if (char === ' ' || char === '\t' || char === '\r') {
        i += 1;
      } else if (text.startsWith('//', i)) {
        while (i < text.length && text[i] !== '\n') i += 1;
      } else if (char === '"') {
        const { value, end } = this.stringLiteral(i);
        if (text[end] === 'i') this.refuse('a case-insensitive string ("..."i)', i);
        tokens.push({ type: 'string', value, at: i });
        i = end;
      } else if (char === '/') {
        let end = i + 1;
        while (end < text.length && text[end] !== '/') {
          if (text[end] === '\n') this.refuse('an unterminated /regex/', i);
          end += text[end] === '\\' ? 2 : 1;
        }
        if (end >= text.length) this.refuse('an unterminated /regex/', i);
        const flags = /^[a-z]*/.exec(text.slice(end + 1))?.[0] ?? '';
        tokens.push({ type: 'regex', value: text.slice(i + 1, end), flags, at: i });
        i = end + 1 + flags.length;
      } else if (char === '%') {
        const word = /^%([a-z_]+)/.exec(text.slice(i));
        if (!word) this.refuse("a bare '%'", i);
        tokens.push({ type: 'directive', value: word[1] ?? '', at: i });
        i += word[0].length;
      } else if (/[A-Za-z_]/.test(char) || ((char === '?' || char === '!') && atDefinitionStart(tokens) && /[A-Za-z_]/.test(text[i + 1] ?? ''))) {
        // `?rule:` and `!rule:` (tree shaping) only where a definition starts; elsewhere `?` is an operator.
        const word = /^[?!]?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i))?.[0] ?? char;
        tokens.push({ type: 'name', value: word, at: i });
        i += word.length;
      } else if (/[0-9]/.test(char)) {
        const digits = /^[0-9]+/.exec(text.slice(i))?.[0] ?? char;
        tokens.push({ type: 'number', value: Number(digits), at: i });
        i += digits.length;
      } else {
        const op = ['->', '..'].find((candidate) => text.startsWith(candidate, i)) ?? char;
        if (!'->..:|()[]?*+~{},.'.includes(op)) this.refuse(`'${op}'`, i);
        tokens.push({ type: 'op', value: op, at: i });
        i += op.length;
      }
    }
    return tokens;
  }

  /** A Lark (Python-style) string literal starting at `start`; its value and the index after it. */
  private stringLiteral(start: number): { value: string; end: number } {
    const text = this.source;
    let value = '';
    let i = start + 1;
    for (;;) {
      const char = text[i];
      if (char === undefined || char === '\n') this.refuse('an unterminated string', start);
      if (char === '"') return { value, end: i + 1 };
      if (char !== '\\') {
        const code = text.codePointAt(i) ?? 0;
        value += String.fromCodePoint(code);
        i += code > 0xffff ? 2 : 1;
        continue;
      }
      const escaped = text[i + 1] ?? '';
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', '0': '\0', '\\': '\\', '"': '"', "'": "'", '/': '/' };
      const mapped = simple[escaped];
      if (mapped !== undefined) {
        value += mapped;
        i += 2;
        continue;
      }
      const hexLength = escaped === 'x' ? 2 : escaped === 'u' ? 4 : escaped === 'U' ? 8 : 0;
      const hex = text.slice(i + 2, i + 2 + hexLength);
      if (hexLength === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength || Number.parseInt(hex, 16) > 0x10ffff) {
        this.refuse(`the string escape '\\${escaped}'`, i);
      }
      value += String.fromCodePoint(Number.parseInt(hex, 16));
      i += 2 + hexLength;
    }
  }

  private refuse(what: string, at: number): never {
    const line = this.source.slice(0, at).split('\n').length;
    throw new EngineError('invalid_request', `The custom tool's Lark grammar uses ${what} (line ${line}), which Spark cannot turn into a grammar.`, { param: this.param });
  }
}

function atDefinitionStart(tokens: readonly Token[]): boolean {
  const last = tokens.at(-1);
  return last === undefined || last.type === 'newline';
}

function describe(token: Token | undefined): string {
  if (!token) return 'the end';
  switch (token.type) {
    case 'newline': return 'a line break';
    case 'number': return String(token.value);
    case 'regex': return `/${token.value}/`;
    case 'string': return JSON.stringify(token.value);
    case 'directive': return `%${token.value}`;
    default: return token.value;
  }
}
