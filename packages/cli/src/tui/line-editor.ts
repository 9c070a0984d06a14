// The input line: a text buffer with a cursor, emacs-style editing commands, and a renderer
// that wraps prompt + text to the terminal width and says where the cursor goes.
import { codePointWidth, truncateAnsi, visibleWidth } from './text-width.js';

/** What `LineEditor.render` produced: rows to draw and the cursor position within them. */
export interface EditorRender {
  readonly rows: string[];
  readonly cursorRow: number;
  readonly cursorCol: number;
}

/** Options of `LineEditor.render`. */
export interface EditorRenderOptions {
  /** Show at most this many rows, scrolled so the cursor row is visible. */
  readonly maxRows?: number;
  /** Pre-styled text shown after the prompt while the buffer is empty (e.g. dim "Ask anything"). */
  readonly placeholder?: string;
}

/** Columns a tab takes in the input line. */
const INPUT_TAB_WIDTH = 4;
/** Graphemes are found within this many code units of the cursor (longer clusters are split). */
const GRAPHEME_WINDOW = 64;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const WORD = /[\p{L}\p{N}_]/u;

/** Index of the grapheme boundary before `index` in `text`. */
function prevBoundary(text: string, index: number): number {
  if (index <= 0) return 0;
  const from = Math.max(0, index - GRAPHEME_WINDOW);
  let last = from;
  for (const seg of segmenter.segment(text.slice(from, index))) last = from + seg.index;
  return last;
}

/** Index of the grapheme boundary after `index` in `text`. */
function nextBoundary(text: string, index: number): number {
  if (index >= text.length) return text.length;
  const window = text.slice(index, index + GRAPHEME_WINDOW);
  for (const seg of segmenter.segment(window)) return index + seg.segment.length;
  return text.length;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The grapheme clusters of `text` (printable ASCII skips the segmenter: each char is one). */
function* graphemes(text: string): Generator<string> {
  if (PRINTABLE_ASCII.test(text)) {
    for (let i = 0; i < text.length; i++) yield text[i] ?? '';
    return;
  }
  for (const { segment } of segmenter.segment(text)) yield segment;
}

function graphemeWidth(g: string): number {
  let w = 0;
  for (const ch of g) w += codePointWidth(ch.codePointAt(0) ?? 0);
  // Emoji sequences (ZWJ, flags, keycaps) render as one picture.
  return Math.min(w, 2);
}

/**
 * A single logical input line. Newlines (from a paste, or inserted by the app for Alt+Enter)
 * stay in the text and are drawn as row breaks; continuation rows are indented to align under
 * the text after the prompt. Tabs show as 4 spaces, other control characters as ^X.
 */
export class LineEditor {
  private value = '';
  private at = 0;
  private killed = '';

  /** The buffer. */
  get text(): string {
    return this.value;
  }

  /** Cursor offset in `text` (UTF-16 code units, always on a grapheme boundary). */
  get cursor(): number {
    return this.at;
  }

  /** Inserts at the cursor; CRLF and CR become '\n'. */
  insert(s: string): void {
    const clean = s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
    this.value = this.value.slice(0, this.at) + clean + this.value.slice(this.at);
    this.at += clean.length;
  }

  /** Deletes the grapheme before the cursor. */
  backspace(): void {
    if (this.at === 0) return;
    const start = prevBoundary(this.value, this.at);
    this.value = this.value.slice(0, start) + this.value.slice(this.at);
    this.at = start;
  }

  /** Deletes the grapheme under the cursor. */
  delete(): void {
    if (this.at >= this.value.length) return;
    this.value = this.value.slice(0, this.at) + this.value.slice(nextBoundary(this.value, this.at));
  }

  left(): void {
    this.at = prevBoundary(this.value, this.at);
  }

  right(): void {
    this.at = nextBoundary(this.value, this.at);
  }

  /** To the start of the current line (ctrl-a). */
  home(): void {
    this.at = this.lineStart(this.at);
  }

  /** To the end of the current line (ctrl-e). */
  end(): void {
    this.at = this.lineEnd(this.at);
  }

  /** Back to the start of the previous word (alt-b; words are letters, digits, _). */
  wordLeft(): void {
    this.at = this.wordStartBefore(this.at);
  }

  /** Forward to the end of the next word (alt-f). */
  wordRight(): void {
    this.at = this.wordEndAfter(this.at);
  }

  /** Deletes back to the previous whitespace (ctrl-w, as in a shell). */
  deleteWordBack(): void {
    let i = this.at;
    while (i > 0 && /\s/.test(this.value[i - 1] ?? '')) i--;
    while (i > 0 && !/\s/.test(this.value[i - 1] ?? '')) i--;
    this.kill(i, this.at);
  }

  /** Deletes to the end of the next word (alt-d). */
  deleteWordForward(): void {
    this.kill(this.at, this.wordEndAfter(this.at));
  }

  /** Deletes to the start of the line (ctrl-u); at a line start, joins it to the previous one. */
  killToStart(): void {
    const start = this.lineStart(this.at);
    this.kill(start === this.at ? Math.max(0, this.at - 1) : start, this.at);
  }

  /** Deletes to the end of the line (ctrl-k); at a line end, joins the next line. */
  killToEnd(): void {
    const end = this.lineEnd(this.at);
    this.kill(this.at, end === this.at ? Math.min(this.value.length, this.at + 1) : end);
  }

  /** Inserts the text removed by the last kill command (ctrl-y). */
  yank(): void {
    if (this.killed !== '') this.insert(this.killed);
  }

  /** Moves to the previous line at the same column; false when already on the first line. */
  lineUp(): boolean {
    const start = this.lineStart(this.at);
    if (start === 0) return false;
    const col = visibleWidth(this.value.slice(start, this.at));
    this.at = this.atColumn(this.lineStart(start - 1), col);
    return true;
  }

  /** Moves to the next line at the same column; false when already on the last line. */
  lineDown(): boolean {
    const end = this.lineEnd(this.at);
    if (end >= this.value.length) return false;
    const col = visibleWidth(this.value.slice(this.lineStart(this.at), this.at));
    this.at = this.atColumn(end + 1, col);
    return true;
  }

  /** Replaces the buffer; the cursor goes to `cursor` (default: the end). */
  set(text: string, cursor = text.length): void {
    this.value = text.replace(/\r\n?/g, '\n');
    this.at = Math.max(0, Math.min(cursor, this.value.length));
  }

  clear(): void {
    this.value = '';
    this.at = 0;
  }

  /**
   * Lays out `prompt` (pre-styled) + text in rows of at most `width` columns and finds the
   * cursor. When the cursor sits at the very end of a full row it moves to a fresh row.
   */
  render(prompt: string, width: number, options: EditorRenderOptions = {}): EditorRender {
    const cols = Math.max(2, Math.floor(width));
    // A prompt must leave room for the cursor.
    const shownPrompt = visibleWidth(prompt) < cols ? prompt : truncateAnsi(prompt, cols - 1, '');
    const promptWidth = visibleWidth(shownPrompt);
    const indent = promptWidth < cols - 1 ? promptWidth : 0;
    const pad = ' '.repeat(indent);
    const rows: string[] = [];
    let row = shownPrompt;
    let col = promptWidth;
    let cursorRow = -1;
    let cursorCol = 0;
    const newRow = (): void => { rows.push(row); row = pad; col = indent; };
    if (this.value === '' && options.placeholder !== undefined) {
      const rendered = { rows: [row + options.placeholder], cursorRow: 0, cursorCol: col };
      return clip(rendered, options.maxRows);
    }
    let offset = 0;
    for (const segment of graphemes(this.value)) {
      let shown: string;
      let w: number;
      if (segment === '\n') {
        if (offset === this.at) { cursorRow = rows.length; cursorCol = col; }
        newRow();
        offset += 1;
        continue;
      }
      const code = segment.charCodeAt(0);
      if (segment === '\t') {
        if (col + INPUT_TAB_WIDTH > cols && col > indent) newRow();
        w = Math.min(INPUT_TAB_WIDTH, cols - col);
        shown = ' '.repeat(w);
      }
      else if (code < 0x20 || code === 0x7f) { shown = `^${String.fromCharCode(code === 0x7f ? 0x3f : code + 0x40)}`; w = 2; }
      else { shown = segment; w = graphemeWidth(segment); }
      if (col + w > cols && col > indent) newRow();
      if (offset === this.at) { cursorRow = rows.length; cursorCol = col; }
      row += shown;
      col += w;
      offset += segment.length;
    }
    if (cursorRow < 0) {
      if (col >= cols) newRow();
      cursorRow = rows.length;
      cursorCol = col;
    }
    rows.push(row);
    return clip({ rows, cursorRow, cursorCol }, options.maxRows);
  }

  private kill(from: number, to: number): void {
    if (to <= from) return;
    this.killed = this.value.slice(from, to);
    this.value = this.value.slice(0, from) + this.value.slice(to);
    this.at = from;
  }

  private lineStart(index: number): number {
    return this.value.lastIndexOf('\n', index - 1) + 1;
  }

  private lineEnd(index: number): number {
    const nl = this.value.indexOf('\n', index);
    return nl < 0 ? this.value.length : nl;
  }

  /** Offset in the line starting at `start` closest to visible column `col`. */
  private atColumn(start: number, col: number): number {
    const end = this.lineEnd(start);
    let i = start;
    let w = 0;
    while (i < end) {
      const next = nextBoundary(this.value, i);
      const gw = graphemeWidth(this.value.slice(i, next));
      if (w + gw > col) break;
      w += gw;
      i = next;
    }
    return i;
  }

  private wordStartBefore(index: number): number {
    let i = index;
    while (i > 0 && !WORD.test(this.value[i - 1] ?? '')) i = prevBoundary(this.value, i);
    while (i > 0 && WORD.test(this.value[i - 1] ?? '')) i = prevBoundary(this.value, i);
    return i;
  }

  private wordEndAfter(index: number): number {
    let i = index;
    const n = this.value.length;
    while (i < n && !WORD.test(this.value[i] ?? '')) i = nextBoundary(this.value, i);
    while (i < n && WORD.test(this.value[i] ?? '')) i = nextBoundary(this.value, i);
    return i;
  }
}

/** Keeps at most `maxRows` rows, scrolled so the cursor row stays visible. */
function clip(render: EditorRender, maxRows: number | undefined): EditorRender {
  if (maxRows === undefined || maxRows < 1 || render.rows.length <= maxRows) return render;
  const start = Math.max(0, Math.min(render.cursorRow - maxRows + 1, render.rows.length - maxRows));
  return { rows: render.rows.slice(start, start + maxRows), cursorRow: render.cursorRow - start, cursorCol: render.cursorCol };
}
