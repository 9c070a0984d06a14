// The inline renderer. Settled output is written once and scrolls into the terminal's own
// scrollback; only the live region under it (streaming tail, queue, input, status) is redrawn.
// Updates coalesce into frames; each frame is one write wrapped in synchronized output that
// overwrites the old region in place, and the frame interval stretches when frames get expensive.
import {
  cursorDown, cursorPrevLine, cursorToColumn, cursorUp, ERASE_DOWN, ERASE_LINE_END, HIDE_CURSOR, SHOW_CURSOR, SYNC_END, SYNC_START,
} from './ansi.js';
import { visibleWidth, wrapAnsi } from './text-width.js';

/** Where the live region writes: a TTY stream, or anything with `write` (tests). */
export interface TerminalOutput {
  write(chunk: string): boolean;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

/** A cursor position inside the live rows: `row` indexes the rows given, `col` is a column. */
export interface LiveCursor {
  readonly row: number;
  readonly col: number;
}

/** What the live region should show. */
export interface LiveContent {
  readonly rows: readonly string[];
  /** Where to put (and show) the terminal cursor; absent: the cursor stays hidden. */
  readonly cursor?: LiveCursor | undefined;
}

/** Runs `fn` after `ms` milliseconds; returns a function that cancels it. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

/** Options of `LiveRegion`. */
export interface LiveRegionOptions {
  /** Shortest interval between frames (default 16 ms). */
  readonly minFrameMs?: number;
  /** Longest interval between frames, however slow drawing gets (default 100 ms). */
  readonly maxFrameMs?: number;
  /** The interval is this many times the (smoothed) cost of drawing a frame, within the bounds (default 8). */
  readonly renderCostFactor?: number;
  /** Clock in milliseconds (default performance.now). */
  readonly now?: () => number;
  /** Timer (default setTimeout). */
  readonly schedule?: Scheduler;
  /** Wrap frames in DEC mode 2026 synchronized output (default true; terminals without it ignore it). */
  readonly synchronizedOutput?: boolean;
  /** Break over-long rows at spaces rather than mid-word (default true). */
  readonly wordWrap?: boolean;
  /**
   * Assume the terminal re-wraps its rows when it gets narrower (iTerm2, kitty, WezTerm, VTE,
   * Windows Terminal, VS Code do), so the old live region now spans more rows (default true).
   */
  readonly reflowOnResize?: boolean;
}

/** Counters for benchmarks and tests. */
export interface LiveRegionStats {
  /** Frames written. */
  readonly frames: number;
  /** Frames that found nothing to change and wrote nothing. */
  readonly skippedFrames: number;
  /** UTF-8 bytes written. */
  readonly bytesWritten: number;
  /** Total milliseconds spent building and writing frames. */
  readonly renderMs: number;
  /** Cost of the last frame in milliseconds. */
  readonly lastRenderMs: number;
  /** Current interval between frames in milliseconds. */
  readonly frameIntervalMs: number;
  /** Settled lines written so far. */
  readonly committedLines: number;
}

const DEFAULT_MIN_FRAME_MS = 16;
const DEFAULT_MAX_FRAME_MS = 100;
const DEFAULT_RENDER_COST_FACTOR = 8;
const DEFAULT_COLUMNS = 80;
const DEFAULT_ROWS = 24;
/** Weight of the newest frame in the smoothed frame cost. */
const COST_SMOOTHING = 0.3;

const defaultSchedule: Scheduler = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  return () => { clearTimeout(timer); };
};

type LiveSource = { readonly kind: 'content'; readonly content: LiveContent } | { readonly kind: 'render'; readonly render: (columns: number) => LiveContent };

const EMPTY: LiveSource = { kind: 'content', content: { rows: [] } };

/** Renders settled lines into scrollback and keeps a small live region repainted under them. */
export class LiveRegion {
  private readonly out: TerminalOutput;
  private readonly minFrameMs: number;
  private readonly maxFrameMs: number;
  private readonly costFactor: number;
  private readonly now: () => number;
  private readonly scheduleFn: Scheduler;
  private readonly sync: boolean;
  private readonly wordWrap: boolean;
  private readonly reflow: boolean;

  private pendingCommits: string[] = [];
  private source: LiveSource = EMPTY;
  private dirty = false;
  private cancelTimer: (() => void) | null = null;
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  private interval: number;
  private smoothedCost = 0;
  private closed = false;
  private suspended = false;
  private columnsOverride: number | null = null;
  private rowsOverride: number | null = null;

  // What the last frame left on screen.
  private hasDrawn = false;
  private drawnRows: string[] = [];
  private drawnWidths: number[] = [];
  private drawnColumns = 0;
  private drawnCursor: LiveCursor | null = null;
  /** Row of the terminal cursor, counted from the top row of the live region. */
  private cursorRow = 0;
  private cursorCol = 0;
  private cursorHidden = false;

  private counters = { frames: 0, skippedFrames: 0, bytesWritten: 0, renderMs: 0, lastRenderMs: 0, committedLines: 0 };

  constructor(out: TerminalOutput, options: LiveRegionOptions = {}) {
    this.out = out;
    this.minFrameMs = options.minFrameMs ?? DEFAULT_MIN_FRAME_MS;
    this.maxFrameMs = Math.max(this.minFrameMs, options.maxFrameMs ?? DEFAULT_MAX_FRAME_MS);
    this.costFactor = options.renderCostFactor ?? DEFAULT_RENDER_COST_FACTOR;
    this.now = options.now ?? (() => performance.now());
    this.scheduleFn = options.schedule ?? defaultSchedule;
    this.sync = options.synchronizedOutput ?? true;
    this.wordWrap = options.wordWrap ?? true;
    this.reflow = options.reflowOnResize ?? true;
    this.interval = this.minFrameMs;
  }

  /** Terminal width in use. */
  get columns(): number {
    const c = this.columnsOverride ?? this.out.columns;
    return c !== undefined && c > 0 ? Math.floor(c) : DEFAULT_COLUMNS;
  }

  /** Terminal height in use. */
  get rows(): number {
    const r = this.rowsOverride ?? this.out.rows;
    return r !== undefined && r > 0 ? Math.floor(r) : DEFAULT_ROWS;
  }

  get stats(): LiveRegionStats {
    return { ...this.counters, frameIntervalMs: this.interval };
  }

  /**
   * Queues settled lines (styled; '\n' splits further) to print above the live region at the
   * next frame. Each is wrapped to the width and written exactly once.
   */
  commit(lines: readonly string[]): void {
    if (this.closed || lines.length === 0) return;
    for (const line of lines) {
      if (line.includes('\n')) this.pendingCommits.push(...line.split('\n'));
      else this.pendingCommits.push(line);
    }
    this.request();
  }

  /** Sets the live rows (and cursor) to draw at the next frame. Cheap: nothing is formatted now. */
  setLive(rows: readonly string[], cursor?: LiveCursor): void {
    if (this.closed) return;
    this.source = { kind: 'content', content: cursor === undefined ? { rows } : { rows, cursor } };
    this.request();
  }

  /**
   * Sets a function that produces the live rows for a width; it is called once per frame, so
   * per-token updates cost nothing until a frame is drawn. Call it again (or `invalidate`) when
   * its output may have changed.
   */
  setLiveRenderer(render: (columns: number) => LiveContent): void {
    if (this.closed) return;
    this.source = { kind: 'render', render };
    this.request();
  }

  /** Asks for a frame without changing the content source (e.g. a live renderer's data changed). */
  invalidate(): void {
    if (!this.closed) this.request();
  }

  /** Draws now if anything is pending. */
  flush(): void {
    if (this.closed || this.suspended) return;
    this.cancel();
    if (this.dirty) this.frame();
  }

  /** Uses these dimensions from now on (instead of `out.columns` / `out.rows`) and redraws. */
  resize(columns: number, rows: number): void {
    this.columnsOverride = columns > 0 ? Math.floor(columns) : null;
    this.rowsOverride = rows > 0 ? Math.floor(rows) : null;
    if (!this.closed) this.request();
  }

  /**
   * Writes pending settled lines, erases the live region and stops drawing until `resume`, so
   * the app can hand the terminal to something else (a child process, an editor).
   */
  suspend(): void {
    if (this.closed || this.suspended) return;
    this.cancel();
    const source = this.source;
    this.source = EMPTY;
    this.frame();
    this.source = source;
    this.write(this.cursorHidden ? SHOW_CURSOR : '');
    this.cursorHidden = false;
    this.suspended = true;
    this.hasDrawn = false;
    this.drawnRows = [];
  }

  /** Starts drawing again after `suspend`, from wherever the cursor now is. */
  resume(): void {
    if (this.closed || !this.suspended) return;
    this.suspended = false;
    this.request();
  }

  /** Draws what is pending, leaves the cursor on a fresh row below everything drawn, and shows it. */
  close(): void {
    if (this.closed) return;
    // Suspended: the region was erased; settled lines committed since are still written.
    this.suspended = false;
    this.cancel();
    if (this.dirty) this.frame();
    let tail = '';
    const last = this.drawnRows.length - 1;
    if (this.hasDrawn && last >= 0) tail += `${cursorDown(last - this.cursorRow)}\r\n`;
    if (this.cursorHidden) tail += SHOW_CURSOR;
    this.write(tail);
    this.closed = true;
    this.cursorHidden = false;
    this.pendingCommits = [];
  }

  private cancel(): void {
    if (this.cancelTimer !== null) {
      this.cancelTimer();
      this.cancelTimer = null;
    }
  }

  private request(): void {
    this.dirty = true;
    if (this.suspended || this.cancelTimer !== null) return;
    const wait = Math.max(0, this.lastFrameAt + this.interval - this.now());
    this.cancelTimer = this.scheduleFn(() => {
      this.cancelTimer = null;
      if (!this.closed && !this.suspended && this.dirty) this.frame();
    }, wait);
  }

  private write(chunk: string): boolean {
    if (chunk === '') return true;
    this.counters.bytesWritten += Buffer.byteLength(chunk);
    return this.out.write(chunk);
  }

  /** Rows (wrapped to `columns`, clipped to the screen height) and the cursor among them. */
  private layout(columns: number, height: number): { rows: string[]; cursor: LiveCursor | null } {
    const content = this.source.kind === 'content' ? this.source.content : this.source.render(columns);
    const rows: string[] = [];
    let cursor: LiveCursor | null = null;
    const wrapOptions = { wordWrap: this.wordWrap };
    for (let index = 0; index < content.rows.length; index++) {
      const row = content.rows[index] ?? '';
      const first = rows.length;
      for (const piece of row.includes('\n') ? row.split('\n') : [row]) {
        if (piece.length <= columns && isPlainAscii(piece)) rows.push(piece);
        else rows.push(...wrapAnsi(piece, columns, wrapOptions));
      }
      const c = content.cursor;
      if (c !== undefined && c.row === index) {
        const col = Math.max(0, Math.floor(c.col));
        const sub = Math.floor(col / columns);
        while (first + sub >= rows.length) rows.push('');
        cursor = { row: first + sub, col: col % columns };
      }
    }
    if (rows.length > height) {
      const drop = rows.length - height;
      rows.splice(0, drop);
      if (cursor !== null) cursor = cursor.row < drop ? null : { row: cursor.row - drop, col: cursor.col };
    }
    return { rows, cursor };
  }

  /** Rows the drawn region now spans, after any reflow. */
  private drawnHeight(columns: number): number {
    if (!this.reflow || columns >= this.drawnColumns) return this.drawnRows.length;
    let rows = 0;
    for (const w of this.drawnWidths) rows += Math.max(1, Math.ceil(w / columns));
    return rows;
  }

  /** Rows the terminal cursor now is below the top of the drawn region, after any reflow. */
  private rowsAboveCursor(columns: number): number {
    if (!this.reflow || columns >= this.drawnColumns) return this.cursorRow;
    let rows = 0;
    for (let i = 0; i < this.cursorRow; i++) rows += Math.max(1, Math.ceil((this.drawnWidths[i] ?? 0) / columns));
    const col = Math.min(this.cursorCol, this.drawnColumns - 1);
    return rows + Math.floor(col / columns);
  }

  private frame(): void {
    this.cancel();
    const start = this.now();
    const columns = this.columns;
    const { rows, cursor } = this.layout(columns, this.rows);
    this.dirty = false;
    if (this.hasDrawn && this.pendingCommits.length === 0 && columns === this.drawnColumns
      && sameCursor(cursor, this.drawnCursor) && sameRows(rows, this.drawnRows)) {
      this.counters.skippedFrames += 1;
      return;
    }
    let frame = this.sync ? SYNC_START : '';
    if (!this.cursorHidden) { frame += HIDE_CURSOR; this.cursorHidden = true; }
    const oldHeight = this.hasDrawn ? this.drawnHeight(columns) : 0;
    if (this.hasDrawn) frame += cursorPrevLine(this.rowsAboveCursor(columns));
    // Overwrite the old region row by row (each row's stale tail erased with EL) rather than
    // erasing it first, so terminals without synchronized output never flash a blank region.
    // Settled rows each end with CRLF; the live region starts on the row after them.
    const commits: string[] = [];
    const commitWidths: number[] = [];
    const wrapOptions = { wordWrap: this.wordWrap };
    for (const line of this.pendingCommits) {
      if (line.length <= columns && isPlainAscii(line)) { commits.push(line); commitWidths.push(line.length); }
      else for (const row of wrapAnsi(line, columns, wrapOptions)) { commits.push(row); commitWidths.push(visibleWidth(row)); }
    }
    this.counters.committedLines += this.pendingCommits.length;
    this.pendingCommits = [];
    const widths = rows.map((row) => visibleWidth(row));
    const total = commits.length + rows.length;
    const emit = (row: string, width: number, clearBelow: boolean): void => {
      // Old region rows below everything written now: erase them from the start of this row.
      if (clearBelow) frame += ERASE_DOWN + row;
      // EL only when the row stops short of the last column: at the last column (pending wrap)
      // some terminals would erase the row's final character.
      else frame += width < columns ? row + ERASE_LINE_END : row;
    };
    commits.forEach((row, i) => {
      emit(row, commitWidths[i] ?? 0, false);
      frame += '\r\n';
    });
    if (rows.length === 0 && oldHeight > commits.length) frame += ERASE_DOWN;
    rows.forEach((row, i) => {
      if (i > 0) frame += '\r\n';
      emit(row, widths[i] ?? 0, i === rows.length - 1 && oldHeight > total);
    });
    const last = rows.length - 1;
    if (cursor !== null) {
      frame += cursorUp(last - cursor.row) + cursorToColumn(cursor.col) + SHOW_CURSOR;
      this.cursorHidden = false;
      this.cursorRow = cursor.row;
      this.cursorCol = cursor.col;
    } else {
      this.cursorRow = Math.max(0, last);
      this.cursorCol = last >= 0 ? widths[last] ?? 0 : 0;
    }
    if (this.sync) frame += SYNC_END;
    const accepted = this.write(frame);
    this.hasDrawn = true;
    this.drawnRows = rows;
    this.drawnWidths = widths;
    this.drawnColumns = columns;
    this.drawnCursor = cursor;
    const end = this.now();
    const cost = Math.max(0, end - start);
    this.counters.frames += 1;
    this.counters.renderMs += cost;
    this.counters.lastRenderMs = cost;
    this.smoothedCost = this.counters.frames === 1 ? cost : this.smoothedCost + COST_SMOOTHING * (cost - this.smoothedCost);
    // A full output buffer (write returned false) means the terminal is behind: slow down.
    this.interval = accepted ? clamp(this.costFactor * this.smoothedCost, this.minFrameMs, this.maxFrameMs) : this.maxFrameMs;
    this.lastFrameAt = start;
  }
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

function isPlainAscii(s: string): boolean {
  return PLAIN_ASCII.test(s);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function sameRows(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameCursor(a: LiveCursor | null, b: LiveCursor | null): boolean {
  return a === b || (a !== null && b !== null && a.row === b.row && a.col === b.col);
}
