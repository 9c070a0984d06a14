// A small terminal emulator for tests: a screen grid with scrollback that interprets the
// sequences the live region emits (CR, LF, CUU/CUD/CUF/CUB, CNL/CPL, CHA, CUP, ED, EL, SGR
// (ignored), DECSET 25/2004/2026) and throws on any other control sequence, so a test fails
// if the renderer starts writing something this file does not model.
import { codePointWidth } from '../text-width.js';

interface Row {
  cells: string[];
  /** The text continues on the next row (the terminal auto-wrapped here). */
  wrapped: boolean;
}

/** Options of `VirtualTerminal.resize`. */
export interface VirtualResizeOptions {
  /** Re-wrap rows to the new width like modern terminals (default true); false truncates like xterm. */
  readonly reflow?: boolean;
}

const BLANK = ' ';
/** The second cell of a wide character. */
const WIDE_TAIL = '';

/** A VT-style screen with deferred auto-wrap and scrollback. */
export class VirtualTerminal {
  columns: number;
  rows: number;
  /** Rows scrolled off the top, oldest first. */
  readonly scrollback: Row[] = [];
  private screen: Row[];
  cursorRow = 0;
  cursorCol = 0;
  cursorVisible = true;
  bracketedPaste = false;
  /** Open synchronized updates (DEC 2026); a well-formed frame returns it to 0. */
  syncDepth = 0;
  /** Completed synchronized updates. */
  syncFrames = 0;
  /** Calls to `write`. */
  writes = 0;
  private pendingWrap = false;
  private carry = '';

  constructor(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.screen = Array.from({ length: rows }, () => this.blankRow());
  }

  /** Interprets `data`; also usable directly as the `out` of a LiveRegion. */
  write(data: string): boolean {
    this.writes += 1;
    const s = this.carry + data;
    this.carry = '';
    let i = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x1b) {
        const end = this.escape(s, i);
        if (end < 0) { this.carry = s.slice(i); break; }
        i = end;
        continue;
      }
      if (c === 0x0d) { this.cursorCol = 0; this.pendingWrap = false; i++; continue; }
      if (c === 0x0a) { this.lineFeed(); i++; continue; }
      if (c === 0x08) { this.cursorCol = Math.max(0, this.cursorCol - 1); this.pendingWrap = false; i++; continue; }
      if (c < 0x20 || c === 0x7f) throw new Error(`virtual terminal: unexpected control byte 0x${c.toString(16)}`);
      const cp = s.codePointAt(i) ?? c;
      const size = cp > 0xffff ? 2 : 1;
      this.print(s.slice(i, i + size), codePointWidth(cp));
      i += size;
    }
    return true;
  }

  /** The visible screen, one string per row, trailing blanks trimmed. */
  screenText(): string[] {
    return this.screen.map(rowText);
  }

  /** Scrollback then screen, trailing blank rows dropped: everything a user could scroll through. */
  allText(): string[] {
    const all = [...this.scrollback.map(rowText), ...this.screenText()];
    while (all.length > 0 && all[all.length - 1] === '') all.pop();
    return all;
  }

  /** Changes the size; with reflow (default) wrapped rows re-wrap to the new width. */
  resize(columns: number, rows: number, options: VirtualResizeOptions = {}): void {
    if (options.reflow ?? true) this.reflowTo(columns, rows);
    else this.truncateTo(columns, rows);
    this.pendingWrap = false;
  }

  private blankRow(): Row {
    return { cells: new Array<string>(this.columns).fill(BLANK), wrapped: false };
  }

  private row(index: number): Row {
    const row = this.screen[index];
    if (row === undefined) throw new Error(`virtual terminal: row ${index} outside the screen`);
    return row;
  }

  private lineFeed(): void {
    this.pendingWrap = false;
    if (this.cursorRow < this.rows - 1) { this.cursorRow += 1; return; }
    const top = this.screen.shift();
    if (top !== undefined) this.scrollback.push(top);
    this.screen.push(this.blankRow());
  }

  private print(ch: string, width: number): void {
    if (width === 0) {
      const row = this.row(this.cursorRow);
      const col = this.pendingWrap ? this.cursorCol : Math.max(0, this.cursorCol - 1);
      row.cells[col] = (row.cells[col] ?? '') + ch;
      return;
    }
    if (this.pendingWrap || (width === 2 && this.cursorCol === this.columns - 1)) {
      this.row(this.cursorRow).wrapped = true;
      this.lineFeed();
      this.cursorCol = 0;
    }
    const row = this.row(this.cursorRow);
    row.cells[this.cursorCol] = ch;
    if (width === 2) row.cells[this.cursorCol + 1] = WIDE_TAIL;
    this.cursorCol += width;
    if (this.cursorCol >= this.columns) { this.cursorCol = this.columns - 1; this.pendingWrap = true; }
  }

  /** Handles the sequence at s[i]; returns the index after it, or -1 when it is incomplete. */
  private escape(s: string, i: number): number {
    const next = s[i + 1];
    if (next === undefined) return -1;
    if (next === ']') { // OSC: ignored (titles, hyperlinks)
      for (let j = i + 2; j < s.length; j++) {
        if (s.charCodeAt(j) === 0x07) return j + 1;
        if (s.charCodeAt(j) === 0x1b && s[j + 1] === '\\') return j + 2;
      }
      return -1;
    }
    if (next !== '[') throw new Error(`virtual terminal: unsupported escape ESC ${JSON.stringify(next)}`);
    let j = i + 2;
    while (j < s.length && !(s.charCodeAt(j) >= 0x40 && s.charCodeAt(j) <= 0x7e)) j++;
    if (j >= s.length) return -1;
    this.csi(s.slice(i + 2, j), s[j] ?? '');
    return j + 1;
  }

  private csi(params: string, final: string): void {
    if (params.startsWith('?')) { this.mode(params.slice(1), final); return; }
    const nums = params === '' ? [] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
    const n = Math.max(1, nums[0] ?? 1);
    const wasPending = this.pendingWrap;
    this.pendingWrap = false;
    switch (final) {
      case 'm': this.pendingWrap = wasPending; return;
      case 'A': this.cursorRow = Math.max(0, this.cursorRow - n); return;
      case 'B': this.cursorRow = Math.min(this.rows - 1, this.cursorRow + n); return;
      case 'C': this.cursorCol = Math.min(this.columns - 1, this.cursorCol + n); return;
      case 'D': this.cursorCol = Math.max(0, this.cursorCol - n); return;
      case 'E': this.cursorRow = Math.min(this.rows - 1, this.cursorRow + n); this.cursorCol = 0; return;
      case 'F': this.cursorRow = Math.max(0, this.cursorRow - n); this.cursorCol = 0; return;
      case 'G': this.cursorCol = Math.min(this.columns - 1, n - 1); return;
      case 'H': case 'f':
        this.cursorRow = Math.min(this.rows - 1, Math.max(1, nums[0] ?? 1) - 1);
        this.cursorCol = Math.min(this.columns - 1, Math.max(1, nums[1] ?? 1) - 1);
        return;
      case 'J': this.eraseDisplay(nums[0] ?? 0); return;
      case 'K': this.eraseLine(nums[0] ?? 0); return;
      default: throw new Error(`virtual terminal: unsupported CSI ${JSON.stringify(params + final)}`);
    }
  }

  private mode(params: string, final: string): void {
    if (final !== 'h' && final !== 'l') throw new Error(`virtual terminal: unsupported CSI ?${params}${final}`);
    const on = final === 'h';
    for (const p of params.split(';')) {
      if (p === '25') this.cursorVisible = on;
      else if (p === '2004') this.bracketedPaste = on;
      else if (p === '2026') {
        if (on) this.syncDepth += 1;
        else {
          if (this.syncDepth === 0) throw new Error('virtual terminal: synchronized update ended without a start');
          this.syncDepth -= 1;
          this.syncFrames += 1;
        }
      } else throw new Error(`virtual terminal: unsupported mode ?${p}`);
    }
  }

  private eraseDisplay(mode: number): void {
    if (mode === 0) {
      this.eraseLine(0);
      for (let r = this.cursorRow + 1; r < this.rows; r++) this.screen[r] = this.blankRow();
    } else if (mode === 1) {
      this.eraseLine(1);
      for (let r = 0; r < this.cursorRow; r++) this.screen[r] = this.blankRow();
    } else if (mode === 2) {
      this.screen = Array.from({ length: this.rows }, () => this.blankRow());
    } else if (mode === 3) {
      this.scrollback.length = 0;
    }
  }

  private eraseLine(mode: number): void {
    const row = this.row(this.cursorRow);
    const from = mode === 0 ? this.cursorCol : 0;
    const to = mode === 1 ? this.cursorCol + 1 : this.columns;
    for (let c = from; c < to; c++) row.cells[c] = BLANK;
    if (mode !== 1) row.wrapped = false;
  }

  private truncateTo(columns: number, rows: number): void {
    const fit = (row: Row): Row => ({
      cells: Array.from({ length: columns }, (_, c) => row.cells[c] ?? BLANK),
      wrapped: false,
    });
    for (let i = 0; i < this.scrollback.length; i++) this.scrollback[i] = fit(this.scrollback[i] ?? this.blankRow());
    let screen = this.screen.map(fit);
    this.columns = columns;
    // Shrinking drops blank rows below the cursor, then pushes rows above it into scrollback.
    while (screen.length > rows && screen.length - 1 > this.cursorRow && rowText(screen[screen.length - 1] ?? this.blankRow()) === '') screen.pop();
    while (screen.length > rows) {
      if (this.cursorRow > 0) { const top = screen.shift(); if (top !== undefined) this.scrollback.push(top); this.cursorRow -= 1; }
      else screen.pop();
    }
    while (screen.length < rows) screen = [...screen, this.blankRow()];
    this.screen = screen;
    this.rows = rows;
    this.cursorCol = Math.min(this.cursorCol, columns - 1);
  }

  private reflowTo(columns: number, rows: number): void {
    const all = [...this.scrollback, ...this.screen];
    const cursorAbs = this.scrollback.length + this.cursorRow;
    // Logical lines: runs of rows joined by auto-wrap. Drop blank rows below the cursor.
    let lastUsed = all.length - 1;
    while (lastUsed > cursorAbs && rowText(all[lastUsed] ?? this.blankRow()) === '') lastUsed--;
    const lines: { cells: string[]; cursor: number | null }[] = [];
    let current: string[] = [];
    let cursor: number | null = null;
    for (let r = 0; r <= lastUsed; r++) {
      const row = all[r] ?? this.blankRow();
      if (r === cursorAbs) cursor = current.length + this.cursorCol + (this.pendingWrap ? 1 : 0);
      current = current.concat(row.cells);
      if (!row.wrapped || r === lastUsed) {
        let end = current.length;
        while (end > 0 && current[end - 1] === BLANK) end--;
        lines.push({ cells: current.slice(0, end), cursor });
        current = [];
        cursor = null;
      }
    }
    const out: Row[] = [];
    let newCursorRow = 0;
    let newCursorCol = 0;
    for (const line of lines) {
      const start = out.length;
      let pos = 0;
      do {
        let end = Math.min(line.cells.length, pos + columns);
        if (end < line.cells.length && line.cells[end] === WIDE_TAIL) end -= 1;
        const cells = line.cells.slice(pos, end);
        while (cells.length < columns) cells.push(BLANK);
        out.push({ cells, wrapped: end < line.cells.length });
        pos = end;
      } while (pos < line.cells.length);
      if (line.cursor !== null) {
        newCursorRow = start + Math.floor(line.cursor / columns);
        newCursorCol = line.cursor % columns;
        while (newCursorRow >= out.length) out.push({ cells: new Array<string>(columns).fill(BLANK), wrapped: false });
      }
    }
    this.columns = columns;
    this.rows = rows;
    while (out.length < rows) out.push(this.blankRow());
    const screenTop = out.length - rows;
    this.scrollback.length = 0;
    this.scrollback.push(...out.slice(0, screenTop));
    this.screen = out.slice(screenTop, screenTop + rows);
    while (this.screen.length < rows) this.screen.push(this.blankRow());
    this.cursorRow = newCursorRow - screenTop;
    this.cursorCol = newCursorCol;
  }
}

function rowText(row: Row): string {
  return row.cells.join('').trimEnd();
}
