// Terminal column arithmetic for styled strings: what a string looks like on screen (ANSI
// sequences take no room, CJK and emoji take two columns, combining marks none), cut into rows
// that each render correctly on their own.
import { SgrState } from './sgr-state.js';

/** Tabs advance to the next multiple of this many columns. */
export const TAB_WIDTH = 4;

const RESET = '\x1b[0m';
const LINK_CLOSE = '\x1b]8;;\x1b\\';

// East Asian Wide/Fullwidth blocks plus emoji that render as pictures by default.
const WIDE = /^[\p{Emoji_Presentation}\u{1100}-\u{115F}\u{2329}\u{232A}\u{2E80}-\u{303E}\u{3041}-\u{33FF}\u{3400}-\u{4DBF}\u{4E00}-\u{9FFF}\u{A000}-\u{A4CF}\u{A960}-\u{A97F}\u{AC00}-\u{D7A3}\u{F900}-\u{FAFF}\u{FE10}-\u{FE19}\u{FE30}-\u{FE6F}\u{FF00}-\u{FF60}\u{FFE0}-\u{FFE6}\u{16FE0}-\u{16FE4}\u{17000}-\u{18AFF}\u{1B000}-\u{1B2FF}\u{1F200}-\u{1F2FF}\u{20000}-\u{2FFFD}\u{30000}-\u{3FFFD}]$/u;
// Combining marks, format characters (ZWJ, variation selectors...), Hangul medial/final jamo.
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}\u{1160}-\u{11FF}\u{D7B0}-\u{D7FF}]$/u;

const ZWJ = 0x200d;
const bmpWidths = new Uint8Array(0x10000).fill(255);
const astralWidths = new Map<number, number>();

function computeWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  const ch = String.fromCodePoint(cp);
  if (ZERO.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** Columns one code point takes on its own: 0 (controls, combining marks), 1 or 2 (wide). */
export function codePointWidth(cp: number): number {
  if (cp >= 0x20 && cp < 0x7f) return 1;
  if (cp < 0x10000) {
    let w = bmpWidths[cp] ?? 255;
    if (w === 255) { w = computeWidth(cp); bmpWidths[cp] = w; }
    return w;
  }
  let w = astralWidths.get(cp);
  if (w === undefined) { w = computeWidth(cp); astralWidths.set(cp, w); }
  return w;
}

/**
 * Walks code points with the two grapheme rules that change widths in practice: a code point
 * after a zero-width joiner joins the emoji before it (width 0), and regional indicators pair
 * into one two-column flag.
 */
class GraphemeWidth {
  private afterZwj = false;
  private openIndicator = false;

  width(cp: number): number {
    if (this.afterZwj) { this.afterZwj = false; this.openIndicator = false; return 0; }
    if (cp === ZWJ) { this.afterZwj = true; return 0; }
    if (cp >= 0x1f1e6 && cp <= 0x1f1ff) {
      this.openIndicator = !this.openIndicator;
      return this.openIndicator ? 2 : 0;
    }
    const w = codePointWidth(cp);
    if (w > 0) this.openIndicator = false;
    return w;
  }
}

/** Index just past the escape sequence that starts at `s[i]` (an ESC). */
function escapeEnd(s: string, i: number): number {
  const n = s.length;
  if (i + 1 >= n) return n;
  const next = s.charCodeAt(i + 1);
  if (next === 0x5b) { // CSI: parameters and intermediates, then one final byte 0x40-0x7e
    for (let j = i + 2; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j + 1;
      if (c < 0x20 || c > 0x7e) return j;
    }
    return n;
  }
  if (next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) { // OSC, DCS, SOS, PM, APC
    for (let j = i + 2; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x07) return j + 1;
      if (c === 0x1b && s.charCodeAt(j + 1) === 0x5c) return j + 2;
    }
    return n;
  }
  if (next >= 0x20 && next <= 0x2f) return Math.min(n, i + 3); // e.g. ESC ( B: charset designation
  return i + 2;
}

/** Removes every ANSI escape sequence (CSI, OSC, other ESC sequences) from `s`. */
export function stripAnsi(s: string): string {
  let esc = s.indexOf('\x1b');
  if (esc < 0) return s;
  let out = '';
  let from = 0;
  while (esc >= 0) {
    out += s.slice(from, esc);
    from = escapeEnd(s, esc);
    esc = s.indexOf('\x1b', from);
  }
  return out + s.slice(from);
}

/** Whether an OSC 8 sequence opens a link (non-empty URI) rather than closing one. */
function opensLink(seq: string): boolean {
  const body = seq.endsWith('\x07') ? seq.slice(4, -1) : seq.slice(4, -2);
  return body.slice(body.indexOf(';') + 1) !== '';
}

/** Columns `s` takes on a terminal: escapes are free, tabs advance to TAB_WIDTH stops. */
export function visibleWidth(s: string): number {
  let width = 0;
  let graphemes: GraphemeWidth | null = null;
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) { width += 1; i += 1; continue; }
    if (c === 0x1b) { i = escapeEnd(s, i); continue; }
    if (c === 0x09) { width += TAB_WIDTH - (width % TAB_WIDTH); i += 1; continue; }
    if (c < 0x20 || c === 0x7f) { i += 1; continue; }
    const cp = s.codePointAt(i) ?? c;
    i += cp > 0xffff ? 2 : 1;
    graphemes ??= new GraphemeWidth();
    width += graphemes.width(cp);
  }
  return width;
}

/** Options of `wrapAnsi`. */
export interface WrapOptions {
  /** Break after the last space that fits instead of mid-word when a row overflows (default false). */
  readonly wordWrap?: boolean;
}

/** Builds rows: tracks style state so each finished row closes what is open and the next re-opens it. */
class RowBuilder {
  readonly rows: string[] = [];
  readonly sgr = new SgrState();
  link: string | null = null;
  row = '';
  col = 0;
  // Last place a word-wrapped row may break: after a space.
  breakLength = -1;
  breakCol = 0;
  breakOpen = '';
  breakActive = false;

  constructor(readonly width: number, readonly wordWrap: boolean) {}

  private closer(active: boolean, link: boolean): string {
    return (active ? RESET : '') + (link ? LINK_CLOSE : '');
  }

  private opener(): string {
    return this.sgr.sequence() + (this.link ?? '');
  }

  escape(seq: string): void {
    const final = seq.charCodeAt(seq.length - 1);
    if (seq.charCodeAt(1) === 0x5b && final === 0x6d) { // SGR
      this.sgr.apply(seq.slice(2, -1));
      this.row += seq;
    } else if (seq.startsWith('\x1b]8;')) { // OSC 8 hyperlink: open (with a URI) or close (empty URI)
      this.link = opensLink(seq) ? seq : null;
      this.row += seq;
    }
    // Any other sequence (cursor movement, erase, title...) would break the layout: dropped.
  }

  /** Ends the current row and starts the next with the open styles re-applied. */
  breakRow(): void {
    this.rows.push(this.row + this.closer(this.sgr.active, this.link !== null));
    this.row = this.opener();
    this.col = 0;
    this.breakLength = -1;
  }

  text(ch: string, w: number): void {
    if (w > 0 && this.col + w > this.width && this.col > 0) {
      if (this.wordWrap) {
        if (ch === ' ') { this.breakRow(); return; }
        if (this.breakLength > 0 && this.breakCol > 1) this.breakAtSpace();
      }
      if (this.col + w > this.width && this.col > 0) this.breakRow();
    }
    this.row += ch;
    this.col += w;
    if (this.wordWrap && ch === ' ') {
      this.breakLength = this.row.length;
      this.breakCol = this.col;
      this.breakOpen = this.opener();
      this.breakActive = this.sgr.active;
    }
  }

  /** Appends printable ASCII that is known to fit in the current row. */
  run(text: string): void {
    const before = this.row.length;
    this.row += text;
    this.col += text.length;
    if (this.wordWrap) {
      const space = text.lastIndexOf(' ');
      if (space >= 0) {
        this.breakLength = before + space + 1;
        this.breakCol = this.col - text.length + space + 1;
        this.breakOpen = this.opener();
        this.breakActive = this.sgr.active;
      }
    }
  }

  private breakAtSpace(): void {
    const rest = this.row.slice(this.breakLength);
    const linkAtBreak = this.breakOpen.includes('\x1b]8;');
    this.rows.push(this.row.slice(0, this.breakLength) + this.closer(this.breakActive, linkAtBreak));
    this.row = this.breakOpen + rest;
    this.col -= this.breakCol;
    this.breakLength = -1;
  }

  finish(): string[] {
    this.rows.push(this.row + this.closer(this.sgr.active, this.link !== null));
    return this.rows;
  }
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function wrapPlainAscii(line: string, width: number, wordWrap: boolean): string[] {
  const rows: string[] = [];
  let start = 0;
  while (line.length - start > width) {
    let end = start + width;
    let next = end;
    if (wordWrap) {
      if (line.charCodeAt(end) === 0x20) next = end + 1;
      else {
        const space = line.lastIndexOf(' ', end - 1);
        if (space > start) { end = space + 1; next = end; }
      }
    }
    rows.push(line.slice(start, end));
    start = next;
  }
  rows.push(line.slice(start));
  return rows;
}

/**
 * Cuts `line` into rows of at most `width` columns. Styles open at a cut are closed (SGR 0) at
 * the end of the row and re-opened at the start of the next, so each row renders correctly on
 * its own; a row that ends styled ends with a reset. Tabs become spaces; escape sequences other
 * than SGR and OSC 8 links, and control characters, are dropped. Always at least one row.
 */
export function wrapAnsi(line: string, width: number, options: WrapOptions = {}): string[] {
  const w = Math.max(1, Math.floor(width));
  const wordWrap = options.wordWrap === true;
  if (PRINTABLE_ASCII.test(line)) return line.length <= w ? [line] : wrapPlainAscii(line, w, wordWrap);
  const builder = new RowBuilder(w, wordWrap);
  const graphemes = new GraphemeWidth();
  for (let i = 0; i < line.length;) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      const end = escapeEnd(line, i);
      builder.escape(line.slice(i, end));
      i = end;
      continue;
    }
    if (c === 0x09) {
      const spaces = TAB_WIDTH - (builder.col % TAB_WIDTH);
      for (let k = 0; k < spaces; k++) builder.text(' ', 1);
      i += 1;
      continue;
    }
    if (c < 0x20 || c === 0x7f) { i += 1; continue; }
    if (c < 0x7f) {
      // A run of printable ASCII: one column each.
      let j = i + 1;
      while (j < line.length) { const d = line.charCodeAt(j); if (d < 0x20 || d >= 0x7f) break; j++; }
      if (builder.col + (j - i) <= w) builder.run(line.slice(i, j));
      else for (let k = i; k < j; k++) builder.text(line[k] ?? '', 1);
      i = j;
      continue;
    }
    const cp = line.codePointAt(i) ?? c;
    const size = cp > 0xffff ? 2 : 1;
    builder.text(line.slice(i, i + size), graphemes.width(cp));
    i += size;
  }
  return builder.finish();
}

/**
 * Shortens `line` to at most `width` columns, ending with `ellipsis` when something was cut;
 * styles still open at the cut are reset before the ellipsis.
 */
export function truncateAnsi(line: string, width: number, ellipsis = '…'): string {
  if (visibleWidth(line) <= width) return line;
  const room = width - visibleWidth(ellipsis);
  if (room < 0) return '';
  let out = '';
  let col = 0;
  const sgr = new SgrState();
  let link = false;
  const graphemes = new GraphemeWidth();
  for (let i = 0; i < line.length;) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) {
      const end = escapeEnd(line, i);
      const seq = line.slice(i, end);
      if (seq.charCodeAt(1) === 0x5b && seq.endsWith('m')) { sgr.apply(seq.slice(2, -1)); out += seq; }
      else if (seq.startsWith('\x1b]8;')) { link = opensLink(seq); out += seq; }
      i = end;
      continue;
    }
    let ch: string;
    let w: number;
    if (c === 0x09) { w = TAB_WIDTH - (col % TAB_WIDTH); ch = ' '.repeat(w); i += 1; }
    else if (c < 0x20 || c === 0x7f) { i += 1; continue; }
    else {
      const cp = line.codePointAt(i) ?? c;
      const size = cp > 0xffff ? 2 : 1;
      ch = line.slice(i, i + size);
      w = graphemes.width(cp);
      i += size;
    }
    if (col + w > room) break;
    out += ch;
    col += w;
  }
  return out + (sgr.active ? RESET : '') + (link ? LINK_CLOSE : '') + ellipsis;
}

/** Pads `s` with spaces on the right to `width` columns (unchanged when already as wide). */
export function padEndAnsi(s: string, width: number): string {
  const w = visibleWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}
