// Light per-line syntax highlighting: one regex tokenizer pass per line; block comments and
// multi-line strings that stay open at the end of a line are carried to the next in `state`.
import { style as defaultStyle, type Style } from './ansi.js';

/** An open multi-line construct carried from one line to the next (null: none open). */
export type HighlightState = null | {
  /** The delimiter that ends it. */
  readonly close: string;
  readonly kind: 'comment' | 'string';
  /** Whether a backslash escapes the next character (so `\"""` does not close). */
  readonly escapes: boolean;
};

/** One highlighted line and the state to pass with the next line. */
export interface HighlightResult {
  readonly text: string;
  readonly state: HighlightState;
}

type TokenKind = 'comment' | 'string' | 'number' | 'constant' | 'keyword' | 'type' | 'word';

interface Rule {
  /** Regex source without capturing groups. */
  readonly pattern: string;
  readonly kind: TokenKind;
  /** Set on multi-line openers: the token runs to this delimiter, or the end of the line. */
  readonly close?: string;
  readonly escapes?: boolean;
}

interface LanguageSpec {
  readonly rules: readonly Rule[];
  readonly keywords?: ReadonlySet<string>;
  readonly constants?: ReadonlySet<string>;
  readonly types?: ReadonlySet<string>;
  readonly caseInsensitive?: boolean;
}

interface CompiledLanguage {
  readonly spec: LanguageSpec;
  readonly regex: RegExp;
}

const words = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/).filter((w) => w !== ''));

const NUMBER = '\\b(?:0[xX][\\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\\d[\\d_]*(?:\\.\\d[\\d_]*)?(?:[eE][+-]?\\d[\\d_]*)?)[a-zA-Z\\d_]*';
const DQ = '"(?:[^"\\\\]|\\\\.)*"?';
const SQ = "'(?:[^'\\\\]|\\\\.)*'?";
const WORD = '[A-Za-z_]\\w*';
const C_COMMENTS: readonly Rule[] = [
  { pattern: '//.*', kind: 'comment' },
  { pattern: '/\\*', kind: 'comment', close: '*/', escapes: false },
];
const HASH_COMMENT: Rule = { pattern: '(?<![^\\s])#.*', kind: 'comment' };

const JS_KEYWORDS = words(`break case catch class const continue debugger default delete do else export extends finally
  for function if import in instanceof let new return super switch this throw try typeof var void while with yield async
  await of static get set as from type interface enum implements private protected public readonly declare namespace
  abstract keyof infer satisfies is override accessor`);

const C_FAMILY_KEYWORDS = words(`abstract assert break case catch class const continue default do else enum extends final
  finally for goto if implements import instanceof interface native new package private protected public return static
  strictfp super switch synchronized this throw throws transient try volatile while auto extern inline register restrict
  sizeof struct typedef union namespace template typename using virtual override constexpr consteval delete friend
  operator explicit mutable noexcept static_cast dynamic_cast reinterpret_cast const_cast var val fun record yield sealed
  permits when is in out object companion data suspend internal open lateinit let guard func protocol extension where
  async await foreach readonly ref params base lock unsafe fixed checked unchecked`);

const LANGUAGES: Readonly<Record<string, LanguageSpec>> = {
  js: {
    rules: [...C_COMMENTS, { pattern: '`', kind: 'string', close: '`', escapes: true }, { pattern: DQ, kind: 'string' },
      { pattern: SQ, kind: 'string' }, { pattern: NUMBER, kind: 'number' }, { pattern: '[A-Za-z_$][\\w$]*', kind: 'word' }],
    keywords: JS_KEYWORDS,
    constants: words('true false null undefined NaN Infinity'),
    types: words('string number boolean any unknown never object symbol bigint'),
  },
  python: {
    rules: [{ pattern: '#.*', kind: 'comment' }, { pattern: '"""', kind: 'string', close: '"""', escapes: true },
      { pattern: "'''", kind: 'string', close: "'''", escapes: true }, { pattern: DQ, kind: 'string' },
      { pattern: SQ, kind: 'string' }, { pattern: '@[\\w.]+', kind: 'type' }, { pattern: NUMBER, kind: 'number' },
      { pattern: WORD, kind: 'word' }],
    keywords: words(`and as assert async await break class continue def del elif else except finally for from global if
      import in is lambda nonlocal not or pass raise return try while with yield match case`),
    constants: words('True False None'),
    types: words('int str float bool list dict set tuple bytes object self cls'),
  },
  rust: {
    rules: [...C_COMMENTS, { pattern: "b?'(?:\\\\.|[^\\\\'])'", kind: 'string' }, { pattern: "'[A-Za-z_]\\w*", kind: 'type' },
      { pattern: `b?${DQ}`, kind: 'string' }, { pattern: '#!?\\[[^\\]]*\\]?', kind: 'type' },
      { pattern: '[A-Za-z_]\\w*!', kind: 'type' }, { pattern: NUMBER, kind: 'number' }, { pattern: WORD, kind: 'word' }],
    keywords: words(`as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move
      mut pub ref return self Self static struct super trait type unsafe use where while`),
    constants: words('true false None Some Ok Err'),
    types: words('i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 bool char str String Vec Option Result Box'),
  },
  go: {
    rules: [...C_COMMENTS, { pattern: '`', kind: 'string', close: '`', escapes: false }, { pattern: DQ, kind: 'string' },
      { pattern: SQ, kind: 'string' }, { pattern: NUMBER, kind: 'number' }, { pattern: WORD, kind: 'word' }],
    keywords: words(`break case chan const continue default defer else fallthrough for func go goto if import interface map
      package range return select struct switch type var`),
    constants: words('true false nil iota'),
    types: words(`int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr float32 float64 complex64 complex128
      string bool byte rune error any`),
  },
  c: {
    rules: [{ pattern: '^\\s*#\\s*\\w+', kind: 'keyword' }, ...C_COMMENTS, { pattern: DQ, kind: 'string' },
      { pattern: SQ, kind: 'string' }, { pattern: '@\\w+', kind: 'type' }, { pattern: NUMBER, kind: 'number' },
      { pattern: WORD, kind: 'word' }],
    keywords: C_FAMILY_KEYWORDS,
    constants: words('true false null nullptr NULL nil'),
    types: words(`int long short char float double void bool boolean byte signed unsigned size_t String Integer Object
      uint8_t uint16_t uint32_t uint64_t int8_t int16_t int32_t int64_t`),
  },
  sh: {
    rules: [HASH_COMMENT, { pattern: '\\$\\{[^}]*\\}?|\\$(?:[A-Za-z_]\\w*|[0-9@#?$!*-])', kind: 'type' },
      { pattern: DQ, kind: 'string' }, { pattern: "'[^']*'?", kind: 'string' }, { pattern: '\\b\\d+\\b', kind: 'number' },
      { pattern: '[A-Za-z_][\\w-]*', kind: 'word' }],
    keywords: words(`if then else elif fi for while until do done case esac in function return local export readonly declare
      unset shift exit break continue select time`),
    types: words('echo cd printf read source eval exec set test trap alias cat grep sed awk'),
    constants: words('true false'),
  },
  json: {
    rules: [...C_COMMENTS, { pattern: `${DQ}(?=\\s*:)`, kind: 'type' }, { pattern: DQ, kind: 'string' },
      { pattern: '-?\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?\\b', kind: 'number' }, { pattern: WORD, kind: 'word' }],
    constants: words('true false null'),
  },
  yaml: {
    rules: [HASH_COMMENT, { pattern: '^(?:---|\\.\\.\\.)(?=\\s|$)', kind: 'keyword' },
      { pattern: '(?<=^\\s*(?:-\\s+)?)[\\w.\\-/$]+(?=\\s*:(?:\\s|$))', kind: 'type' }, { pattern: '[&*][\\w-]+', kind: 'type' },
      { pattern: '!!?[\\w-]+', kind: 'keyword' }, { pattern: DQ, kind: 'string' }, { pattern: "'(?:[^']|'')*'?", kind: 'string' },
      { pattern: NUMBER, kind: 'number' }, { pattern: WORD, kind: 'word' }],
    constants: words('true false null yes no on off True False Null'),
  },
  toml: {
    rules: [{ pattern: '#.*', kind: 'comment' }, { pattern: '^\\s*\\[\\[?[^\\]]*\\]\\]?', kind: 'keyword' },
      { pattern: '^\\s*[\\w.\\-"\']+(?=\\s*=)', kind: 'type' }, { pattern: '"""', kind: 'string', close: '"""', escapes: true },
      { pattern: "'''", kind: 'string', close: "'''", escapes: false }, { pattern: DQ, kind: 'string' },
      { pattern: "'[^']*'?", kind: 'string' }, { pattern: NUMBER, kind: 'number' }, { pattern: WORD, kind: 'word' }],
    constants: words('true false inf nan'),
  },
  html: {
    rules: [{ pattern: '<!--', kind: 'comment', close: '-->', escapes: false }, { pattern: '</?[A-Za-z!][\\w:.-]*', kind: 'keyword' },
      { pattern: '/?>', kind: 'keyword' }, { pattern: '[A-Za-z_:@][\\w:.-]*(?==)', kind: 'type' }, { pattern: DQ, kind: 'string' },
      { pattern: SQ, kind: 'string' }, { pattern: '&#?\\w+;', kind: 'constant' }],
  },
  css: {
    rules: [{ pattern: '/\\*', kind: 'comment', close: '*/', escapes: false }, { pattern: '(?<![:\\w])//.*', kind: 'comment' },
      { pattern: '@[\\w-]+', kind: 'keyword' }, { pattern: '(?<=^\\s*|[{;]\\s*)[\\w-]+(?=\\s*:(?:\\s|$))', kind: 'type' },
      { pattern: '#[\\da-fA-F]{3,8}\\b', kind: 'number' }, { pattern: '!important', kind: 'keyword' },
      { pattern: DQ, kind: 'string' }, { pattern: SQ, kind: 'string' },
      { pattern: '-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[a-zA-Z%]+)?', kind: 'number' }],
  },
  sql: {
    rules: [{ pattern: '--.*', kind: 'comment' }, { pattern: '/\\*', kind: 'comment', close: '*/', escapes: false },
      { pattern: "'(?:[^']|'')*'?", kind: 'string' }, { pattern: DQ, kind: 'type' }, { pattern: NUMBER, kind: 'number' },
      { pattern: WORD, kind: 'word' }],
    caseInsensitive: true,
    keywords: words(`select from where and or not insert into values update set delete create table drop alter add index
      primary key foreign references join left right inner outer on as group by order having limit offset union all
      distinct case when then else end is in like between exists begin commit rollback view default unique`),
    constants: words('null true false'),
    types: words('int integer bigint text varchar char boolean date timestamp real float double numeric serial blob'),
  },
};

const ALIASES: Readonly<Record<string, string>> = {
  ts: 'js', typescript: 'js', tsx: 'js', mts: 'js', cts: 'js', js: 'js', javascript: 'js', jsx: 'js', mjs: 'js', cjs: 'js',
  node: 'js', py: 'python', python: 'python', python3: 'python', pyi: 'python', rs: 'rust', rust: 'rust', go: 'go',
  golang: 'go', java: 'c', c: 'c', h: 'c', cpp: 'c', 'c++': 'c', cc: 'c', cxx: 'c', hpp: 'c', hh: 'c', cs: 'c',
  csharp: 'c', kotlin: 'c', kt: 'c', kts: 'c', scala: 'c', swift: 'c', objc: 'c', m: 'c', mm: 'c', dart: 'c',
  sh: 'sh', bash: 'sh', zsh: 'sh', shell: 'sh', console: 'sh', shellsession: 'sh', fish: 'sh', ksh: 'sh',
  json: 'json', jsonc: 'json', json5: 'json', jsonl: 'json', yaml: 'yaml', yml: 'yaml', toml: 'toml', ini: 'toml',
  html: 'html', htm: 'html', xml: 'html', svg: 'html', vue: 'html', svelte: 'html', css: 'css', scss: 'css',
  less: 'css', sql: 'sql', diff: 'diff', patch: 'diff', udiff: 'diff',
};

const compiled = new Map<string, CompiledLanguage | null>();

function compile(language: string): CompiledLanguage | null {
  const key = language.toLowerCase();
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const name = ALIASES[key];
  const spec = name === undefined ? undefined : LANGUAGES[name];
  const result = spec === undefined ? null : { spec, regex: new RegExp(spec.rules.map((r) => `(${r.pattern})`).join('|'), 'g') };
  compiled.set(key, result);
  return result;
}

/** The canonical highlighter name for a fence tag or extension ('' when none applies). */
export function resolveLanguage(language: string): string {
  return ALIASES[language.toLowerCase()] ?? '';
}

/** The language tag for a file path, from its extension or name ('' when unknown). */
export function languageFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'Dockerfile' || base === 'Makefile' || base.startsWith('.bashrc') || base.startsWith('.zshrc')) return 'sh';
  const dot = base.lastIndexOf('.');
  if (dot < 0) return '';
  const ext = base.slice(dot + 1).toLowerCase();
  return ALIASES[ext] === undefined ? '' : ext;
}

function paint(kind: TokenKind, text: string, style: Style): string {
  switch (kind) {
    case 'comment': return style.gray(text);
    case 'string': return style.green(text);
    case 'number':
    case 'constant': return style.yellow(text);
    case 'keyword': return style.magenta(text);
    case 'type': return style.cyan(text);
    case 'word': return text;
    default: { const never: never = kind; return never; }
  }
}

/** Index of `close` in `line` at or after `from` (skipping backslash escapes if asked), or -1. */
function findClose(line: string, from: number, close: string, escapes: boolean): number {
  if (!escapes) return line.indexOf(close, from);
  for (let j = from; j < line.length; j++) {
    const c = line.charCodeAt(j);
    if (c === 0x5c) { j += 1; continue; }
    if (line.startsWith(close, j)) return j;
  }
  return -1;
}

function highlightDiffLine(line: string, style: Style): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') || line.startsWith('index ')) return style.bold(line);
  if (line.startsWith('@@')) return style.cyan(line);
  if (line.startsWith('+')) return style.green(line);
  if (line.startsWith('-')) return style.red(line);
  return line;
}

function wordKind(word: string, spec: LanguageSpec): TokenKind {
  const w = spec.caseInsensitive === true ? word.toLowerCase() : word;
  if (spec.keywords?.has(w) === true) return 'keyword';
  if (spec.constants?.has(w) === true) return 'constant';
  if (spec.types?.has(w) === true) return 'type';
  return 'word';
}

/**
 * Highlights one line of `language` (a fence tag or extension: ts, py, rust, go, java, sh,
 * json, yaml, toml, html, css, sql, diff...; unknown languages come back unchanged). Pass the
 * returned state with the next line so block comments and multi-line strings continue.
 */
export function highlightCode(line: string, language: string, state: HighlightState = null, style: Style = defaultStyle): HighlightResult {
  const lang = compile(language);
  if (lang === null) {
    if (resolveLanguage(language) === 'diff') return { text: highlightDiffLine(line, style), state: null };
    return { text: line, state: null };
  }
  let out = '';
  let pos = 0;
  if (state !== null) {
    const end = findClose(line, 0, state.close, state.escapes);
    if (end < 0) return { text: paint(state.kind, line, style), state };
    pos = end + state.close.length;
    out = paint(state.kind, line.slice(0, pos), style);
  }
  const { regex, spec } = lang;
  regex.lastIndex = pos;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(line)) !== null) {
    const text = m[0];
    if (text === '') { regex.lastIndex += 1; continue; }
    let index = 1;
    while (m[index] === undefined && index < m.length) index++;
    const rule = spec.rules[index - 1];
    if (rule === undefined) break;
    out += line.slice(pos, m.index);
    const start = m.index;
    pos = start + text.length;
    if (rule.close !== undefined) {
      const end = findClose(line, pos, rule.close, rule.escapes === true);
      if (end < 0) {
        out += paint(rule.kind, line.slice(start), style);
        return { text: out, state: { close: rule.close, kind: rule.kind === 'comment' ? 'comment' : 'string', escapes: rule.escapes === true } };
      }
      pos = end + rule.close.length;
      regex.lastIndex = pos;
      out += paint(rule.kind, line.slice(start, pos), style);
      continue;
    }
    out += paint(rule.kind === 'word' ? wordKind(text, spec) : rule.kind, text, style);
  }
  out += line.slice(pos);
  return { text: out, state: null };
}
