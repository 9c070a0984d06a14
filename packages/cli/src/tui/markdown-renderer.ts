// Streaming Markdown to ANSI, one line at a time: the only state carried between lines is the
// open fenced code block (and its highlighter state), so a line renders the moment it settles.
import { style as defaultStyle, type Style } from './ansi.js';
import { highlightCode, type HighlightState } from './highlight-code.js';

/** Options of `MarkdownRenderer`. */
export interface MarkdownRendererOptions {
  /** Styles to render with (default: `style` from ansi.ts, which honours NO_COLOR and TTY-ness). */
  readonly style?: Style;
  /** Terminal columns, used for the width of horizontal rules (default 80). */
  readonly width?: number;
}

interface Fence {
  readonly marker: string;
  readonly language: string;
  highlight: HighlightState;
}

/** The longest horizontal rule drawn, whatever the width. */
const MAX_RULE_WIDTH = 80;

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const QUOTE = /^ {0,3}>[ ]?(.*)$/;
const BULLET = /^(\s*)([-*+])[ \t]+(.*)$/;
const ORDERED = /^(\s*)(\d{1,9}[.)])[ \t]+(.*)$/;
const TASK = /^\[([ xX])\][ \t]+(.*)$/;
const TABLE_ROW = /^\s*\|/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const INLINE_SPECIAL = /[\\`*_~[<]/;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const AUTOLINK = /^<((?:https?|mailto|ftp):[^\s<>]+)>/;
const WORD_CHAR = /[\p{L}\p{N}]/u;

function isSpace(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\t' || ch === '\n';
}

/** Renders Markdown line by line to styled terminal text. */
export class MarkdownRenderer {
  private readonly style: Style;
  private fence: Fence | null = null;
  /** Terminal columns (rules are drawn this wide, at most 80); update it on resize. */
  width: number;

  constructor(options: MarkdownRendererOptions = {}) {
    this.style = options.style ?? defaultStyle;
    this.width = options.width ?? 80;
  }

  /** Whether the lines seen so far left a fenced code block open. */
  get inCodeBlock(): boolean {
    return this.fence !== null;
  }

  /** Renders one complete line and advances the block state. Never throws. */
  renderLine(line: string): string {
    try {
      return this.render(line, true);
    } catch {
      return line;
    }
  }

  /** Renders a partial line (the streaming tail) as it looks so far, without advancing state. */
  previewLine(line: string): string {
    try {
      return this.render(line, false);
    } catch {
      return line;
    }
  }

  /** Renders many lines (split on '\n') in order. */
  renderText(text: string): string[] {
    return text.split('\n').map((line) => this.renderLine(line));
  }

  /** Forgets any open code block (call between answers). */
  reset(): void {
    this.fence = null;
  }

  private render(raw: string, commit: boolean): string {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const s = this.style;
    const fence = this.fence;
    if (fence !== null) {
      const trimmed = line.trim();
      if (trimmed.startsWith(fence.marker) && /^(`+|~+)$/.test(trimmed) && trimmed[0] === fence.marker[0]) {
        if (commit) this.fence = null;
        return s.dim(line);
      }
      if (fence.language === '') return line;
      const result = highlightCode(line, fence.language, fence.highlight, s);
      if (commit) fence.highlight = result.state;
      return result.text;
    }
    const open = FENCE.exec(line);
    if (open !== null) {
      const marker = open[2] ?? '```';
      const info = (open[3] ?? '').trim();
      if (!(marker.startsWith('`') && info.includes('`'))) {
        if (commit) this.fence = { marker, language: fenceLanguage(info), highlight: null };
        return s.dim(line);
      }
    }
    return this.block(line);
  }

  /** A line outside code blocks: headings, rules, quotes, lists, tables, paragraphs. */
  private block(line: string): string {
    const s = this.style;
    if (line.trim() === '') return line;
    const first = line.trimStart()[0];
    if (first === '#') {
      const h = HEADING.exec(line);
      if (h !== null) {
        const hashes = h[1] ?? '#';
        const text = this.inline(h[2] ?? '');
        return s.dim(`${hashes} `) + (hashes.length === 1 ? s.bold(s.underline(text)) : s.bold(text));
      }
    }
    if ((first === '-' || first === '*' || first === '_') && RULE.test(line)) {
      return s.dim('─'.repeat(Math.max(3, Math.min(this.width, MAX_RULE_WIDTH))));
    }
    if (first === '>') {
      const q = QUOTE.exec(line);
      if (q !== null) return s.dim('│ ') + this.block(q[1] ?? '');
    }
    const bullet = BULLET.exec(line);
    if (bullet !== null) {
      const rest = bullet[3] ?? '';
      const task = TASK.exec(rest);
      const body = task === null ? this.inline(rest) : `${task[1] === ' ' ? '☐' : s.green('☑')} ${this.inline(task[2] ?? '')}`;
      return `${bullet[1] ?? ''}${s.dim('•')} ${body}`;
    }
    const ordered = ORDERED.exec(line);
    if (ordered !== null) return `${ordered[1] ?? ''}${ordered[2] ?? ''} ${this.inline(ordered[3] ?? '')}`;
    if (TABLE_ROW.test(line)) {
      if (TABLE_SEPARATOR.test(line)) return s.dim(line);
      return line.split(/(?<!\\)\|/).map((cell) => this.inline(cell)).join(s.dim('│'));
    }
    return this.inline(line);
  }

  /** Inline spans: code, emphasis, strikethrough, links, autolinks, backslash escapes. */
  private inline(text: string): string {
    if (!INLINE_SPECIAL.test(text)) return text;
    const s = this.style;
    let out = '';
    let plain = 0;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text[i];
      if (c === '\\') {
        const next = text[i + 1];
        if (next !== undefined && ASCII_PUNCTUATION.test(next)) {
          out += text.slice(plain, i) + next;
          i += 2;
          plain = i;
          continue;
        }
      } else if (c === '`') {
        const run = runLength(text, i, '`');
        const close = findRun(text, i + run, '`', run);
        if (close < 0) { i += run; continue; }
        let code = text.slice(i + run, close);
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
        out += text.slice(plain, i) + s.cyan(code);
        i = close + run;
        plain = i;
        continue;
      } else if (c === '*' || c === '_' || c === '~') {
        const span = this.emphasis(text, i, c);
        if (span !== null) {
          out += text.slice(plain, i) + span.text;
          i = span.end;
          plain = i;
          continue;
        }
        i += runLength(text, i, c);
        continue;
      } else if (c === '[' || (c === '!' && text[i + 1] === '[')) {
        const link = this.link(text, c === '!' ? i + 1 : i);
        if (link !== null) {
          out += text.slice(plain, i) + (c === '!' ? s.dim('image: ') : '') + link.text;
          i = link.end;
          plain = i;
          continue;
        }
      } else if (c === '<') {
        const auto = AUTOLINK.exec(text.slice(i, i + 2048));
        if (auto !== null) {
          out += text.slice(plain, i) + s.underline(auto[1] ?? '');
          i += auto[0].length;
          plain = i;
          continue;
        }
      }
      i += 1;
    }
    return out + text.slice(plain);
  }

  /** `*em*`, `_em_`, `**strong**`, `__strong__`, `***both***`, `~~strike~~` starting at `i`. */
  private emphasis(text: string, i: number, ch: string): { text: string; end: number } | null {
    const run = runLength(text, i, ch);
    if (ch === '~' ? run !== 2 : run > 3) return null;
    const after = text[i + run];
    if (isSpace(after)) return null;
    if (ch === '_' && i > 0 && WORD_CHAR.test(text[i - 1] ?? '')) return null;
    let j = i + run;
    while (j < text.length) {
      j = text.indexOf(ch, j);
      if (j < 0) return null;
      const closeRun = runLength(text, j, ch);
      if (closeRun === run && !isSpace(text[j - 1]) && !(ch === '_' && WORD_CHAR.test(text[j + run] ?? ''))) {
        const inner = this.inline(text.slice(i + run, j));
        const s = this.style;
        const styled = ch === '~' ? s.strikethrough(inner) : run === 1 ? s.italic(inner) : run === 2 ? s.bold(inner) : s.bold(s.italic(inner));
        return { text: styled, end: j + run };
      }
      j += closeRun;
    }
    return null;
  }

  /** `[text](url)` at `i` (the '['): text underlined, url dim. */
  private link(text: string, i: number): { text: string; end: number } | null {
    let depth = 0;
    let close = -1;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '\\') { j += 1; continue; }
      if (c === '[') depth += 1;
      else if (c === ']') { depth -= 1; if (depth === 0) { close = j; break; } }
    }
    if (close < 0 || text[close + 1] !== '(') return null;
    depth = 0;
    let end = -1;
    for (let j = close + 1; j < text.length; j++) {
      const c = text[j];
      if (c === '(') depth += 1;
      else if (c === ')') { depth -= 1; if (depth === 0) { end = j; break; } }
      else if (c === ' ' && depth === 1 && text[j + 1] !== '"' && text[j + 1] !== "'") return null;
    }
    if (end < 0) return null;
    const label = text.slice(i + 1, close);
    const url = text.slice(close + 2, end).trim().replace(/\s+["'].*$/, '');
    const s = this.style;
    const shown = s.underline(this.inline(label));
    return { text: label === url || url === '' ? shown : `${shown} ${s.dim(`(${url})`)}`, end: end + 1 };
  }
}

/** The language of a fence's info string: its first word, without `{.` `}` decoration. */
function fenceLanguage(info: string): string {
  const word = info.split(/\s+/)[0] ?? '';
  return word.replace(/^\{?\.?/, '').replace(/[},].*$/, '');
}

function runLength(text: string, i: number, ch: string): number {
  let j = i;
  while (text[j] === ch) j++;
  return j - i;
}

/** Start of the next run of exactly `length` copies of `ch` at or after `from`, or -1. */
function findRun(text: string, from: number, ch: string, length: number): number {
  let j = from;
  while (j < text.length) {
    j = text.indexOf(ch, j);
    if (j < 0) return -1;
    const run = runLength(text, j, ch);
    if (run === length) return j;
    j += run;
  }
  return -1;
}
