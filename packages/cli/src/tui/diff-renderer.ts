// Patches for the terminal: colours Codex apply_patch envelopes and git-style unified diffs
// (file headers bold, hunk headers cyan, additions green, deletions red, context dim), and
// computes unified diffs (Myers' O(ND) line diff after trimming the common prefix and suffix).
import { style as defaultStyle, type Style } from './ansi.js';
import { highlightCode, languageFromPath, type HighlightState } from './highlight-code.js';

/** Options of the diff renderers. */
export interface DiffRenderOptions {
  /** Styles to render with (default: `style` from ansi.ts, which honours NO_COLOR and TTY-ness). */
  readonly style?: Style;
  /**
   * Syntax-highlight added and context lines by file extension (default false: additions are
   * all green). With it, only the `+` marker is green and the code keeps its token colours.
   */
  readonly highlight?: boolean;
}

/** Paints the body lines of one file; carries the highlighter state of the new side. */
class FilePainter {
  private language = '';
  private state: HighlightState = null;

  constructor(private readonly style: Style, private readonly highlight: boolean) {}

  file(path: string): void {
    this.language = this.highlight ? languageFromPath(path) : '';
    this.state = null;
  }

  hunk(): void {
    this.state = null;
  }

  private code(content: string): string | null {
    if (this.language === '') return null;
    const result = highlightCode(content, this.language, this.state, this.style);
    this.state = result.state;
    return result.text;
  }

  added(content: string): string {
    const code = this.code(content);
    return code === null ? this.style.green(`+${content}`) : this.style.green('+') + code;
  }

  removed(content: string): string {
    return this.style.red(`-${content}`);
  }

  context(content: string): string {
    const code = this.code(content);
    return this.style.dim(` ${code ?? content}`);
  }
}

function splitPatchLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const FILE_HEADER = /^\*\*\* (Update|Add|Delete) File: (.*)$/;
const MOVE_TO = /^\*\*\* Move to: (.*)$/;

/**
 * Renders a Codex apply_patch envelope (`*** Begin Patch` ... `*** End Patch`) line by line.
 * Lines it does not recognise pass through unstyled.
 */
export function renderApplyPatch(patch: string, options: DiffRenderOptions = {}): string[] {
  const s = options.style ?? defaultStyle;
  const painter = new FilePainter(s, options.highlight === true);
  return splitPatchLines(patch).map((line) => {
    if (line === '*** Begin Patch' || line === '*** End Patch' || line === '*** End of File') return s.dim(line);
    const header = FILE_HEADER.exec(line);
    if (header !== null) { painter.file(header[2] ?? ''); return s.bold(line); }
    const move = MOVE_TO.exec(line);
    if (move !== null) { painter.file(move[1] ?? ''); return s.bold(line); }
    if (line.startsWith('@@')) { painter.hunk(); return s.cyan(line); }
    const first = line[0];
    if (first === '+') return painter.added(line.slice(1));
    if (first === '-') return painter.removed(line.slice(1));
    if (first === ' ') return painter.context(line.slice(1));
    return line;
  });
}

const HUNK_HEADER = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@(.*)$/;
const DIM_HEADERS = ['index ', 'new file mode', 'deleted file mode', 'old mode', 'new mode', 'similarity index', 'dissimilarity index', 'rename from', 'rename to', 'copy from', 'copy to', 'Binary files'];

/** Strips git's a/ or b/ prefix and any tab-separated timestamp from a ---/+++ path. */
function headerPath(rest: string): string {
  const path = rest.split('\t')[0] ?? rest;
  return path.startsWith('a/') || path.startsWith('b/') ? path.slice(2) : path;
}

/**
 * Renders unified diff text (`git diff`, `diff -u`) line by line. Hunk bodies are read by their
 * line counts, so a deleted line that starts with `--` is never mistaken for a file header.
 */
export function renderUnifiedDiff(diff: string, options: DiffRenderOptions = {}): string[] {
  const s = options.style ?? defaultStyle;
  const painter = new FilePainter(s, options.highlight === true);
  let oldLeft = 0;
  let newLeft = 0;
  return splitPatchLines(diff).map((line) => {
    if (line.startsWith('\\')) return s.dim(line);
    if (oldLeft > 0 || newLeft > 0) {
      const first = line[0];
      if (first === '+' && newLeft > 0) { newLeft--; return painter.added(line.slice(1)); }
      if (first === '-' && oldLeft > 0) { oldLeft--; return painter.removed(line.slice(1)); }
      if ((first === ' ' || line === '') && oldLeft > 0 && newLeft > 0) { oldLeft--; newLeft--; return painter.context(line.slice(1)); }
      oldLeft = 0;
      newLeft = 0;
    }
    const hunk = HUNK_HEADER.exec(line);
    if (hunk !== null) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      painter.hunk();
      const tail = hunk[3] ?? '';
      return s.cyan(line.slice(0, line.length - tail.length)) + tail;
    }
    if (line.startsWith('diff --git ')) {
      const b = line.lastIndexOf(' b/');
      painter.file(b >= 0 ? line.slice(b + 3) : '');
      return s.bold(line);
    }
    if (line.startsWith('+++ ')) {
      const path = headerPath(line.slice(4));
      if (path !== '/dev/null') painter.file(path);
      return s.bold(line);
    }
    if (line.startsWith('--- ')) {
      const path = headerPath(line.slice(4));
      if (path !== '/dev/null') painter.file(path);
      return s.bold(line);
    }
    if (DIM_HEADERS.some((prefix) => line.startsWith(prefix))) return s.dim(line);
    return line;
  });
}

// ---- unifiedDiff: line diff printed with the conventions of `diff -u` / `git diff` ----

/** Above this many differing lines the diff stops searching for a minimal script. */
export const MAX_EDIT_DISTANCE = 2000;

/** Options of `unifiedDiff`. */
export interface UnifiedDiffOptions {
  /** Edit distance past which the middle is shown as one delete-all/insert-all hunk (default MAX_EDIT_DISTANCE). */
  readonly maxEditDistance?: number;
}

const EQUAL = 0;
const DELETE = 1;
const INSERT = 2;
type OpKind = typeof EQUAL | typeof DELETE | typeof INSERT;

interface Op {
  readonly kind: OpKind;
  /** Index into the old lines (for equal and delete) or the new lines (insert). */
  readonly oldIndex: number;
  readonly newIndex: number;
}

interface SplitText {
  readonly lines: string[];
  /** The last line has no trailing newline. */
  readonly noEol: boolean;
}

function splitLines(text: string): SplitText {
  if (text === '') return { lines: [], noEol: false };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') { lines.pop(); return { lines, noEol: false }; }
  return { lines, noEol: true };
}

/** Maps lines to small integers; a last line without newline differs from the same text with one. */
function intern(split: SplitText, ids: Map<string, number>): Int32Array {
  const out = new Int32Array(split.lines.length);
  for (let i = 0; i < split.lines.length; i++) {
    const key = split.noEol && i === split.lines.length - 1 ? `${split.lines[i] ?? ''}\u0000noeol` : split.lines[i] ?? '';
    let id = ids.get(key);
    if (id === undefined) { id = ids.size; ids.set(key, id); }
    out[i] = id;
  }
  return out;
}

/**
 * Myers' shortest edit script between a[aStart, aEnd) and b[bStart, bEnd), appended to `ops`.
 * Returns false (appending nothing) when the distance exceeds `maxD`.
 */
function myers(a: Int32Array, b: Int32Array, aStart: number, aEnd: number, bStart: number, bEnd: number, maxD: number, ops: Op[]): boolean {
  const n = aEnd - aStart;
  const m = bEnd - bStart;
  const max = Math.min(n + m, maxD);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0)) ? v[offset + k + 1] ?? 0 : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[aStart + x] === b[bStart + y]) { x++; y++; }
      v[offset + k] = x;
      if (x >= n && y >= m) { found = d; break; }
    }
  }
  if (found < 0) return false;
  const reversed: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const snapshot = trace[d];
    if (snapshot === undefined) break;
    const at = (k: number): number => snapshot[k + d] ?? 0;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) { x--; y--; reversed.push({ kind: EQUAL, oldIndex: aStart + x, newIndex: bStart + y }); }
    if (d > 0) {
      if (x === prevX) reversed.push({ kind: INSERT, oldIndex: aStart + x, newIndex: bStart + prevY });
      else reversed.push({ kind: DELETE, oldIndex: aStart + prevX, newIndex: bStart + y });
    }
    x = prevX;
    y = prevY;
  }
  for (let i = reversed.length - 1; i >= 0; i--) { const op = reversed[i]; if (op !== undefined) ops.push(op); }
  return true;
}

/** The edit script: equal lines, and within each changed stretch all deletions before insertions. */
function diffOps(a: Int32Array, b: Int32Array, maxD: number): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let aEnd = a.length;
  let bEnd = b.length;
  while (aEnd > start && bEnd > start && a[aEnd - 1] === b[bEnd - 1]) { aEnd--; bEnd--; }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: EQUAL, oldIndex: i, newIndex: i });
  if (!myers(a, b, start, aEnd, start, bEnd, maxD, ops)) {
    for (let i = start; i < aEnd; i++) ops.push({ kind: DELETE, oldIndex: i, newIndex: start });
    for (let j = start; j < bEnd; j++) ops.push({ kind: INSERT, oldIndex: aEnd, newIndex: j });
  }
  for (let i = aEnd, j = bEnd; i < a.length; i++, j++) ops.push({ kind: EQUAL, oldIndex: i, newIndex: j });
  // Reorder each run of changes so its deletions come first, as diff prints them.
  const out: Op[] = [];
  for (let i = 0; i < ops.length;) {
    const op = ops[i];
    if (op === undefined) break;
    if (op.kind === EQUAL) { out.push(op); i++; continue; }
    let j = i;
    while (j < ops.length && ops[j]?.kind !== EQUAL) j++;
    const run = ops.slice(i, j);
    for (const r of run) if (r.kind === DELETE) out.push(r);
    for (const r of run) if (r.kind === INSERT) out.push(r);
    i = j;
  }
  return out;
}

function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/**
 * A unified diff of `before` -> `after` for `path` ('' when identical): `--- a/path` /
 * `+++ b/path` headers (`/dev/null` for an empty side: a new or deleted file), hunks with
 * `context` lines around changes (merged when closer than 2 x context), and
 * `\ No newline at end of file` markers.
 */
export function unifiedDiff(before: string, after: string, path: string, context = 3, options: UnifiedDiffOptions = {}): string {
  if (before === after) return '';
  const oldSplit = splitLines(before);
  const newSplit = splitLines(after);
  const ids = new Map<string, number>();
  const a = intern(oldSplit, ids);
  const b = intern(newSplit, ids);
  const ops = diffOps(a, b, options.maxEditDistance ?? MAX_EDIT_DISTANCE);
  const ctx = Math.max(0, Math.floor(context));
  const out: string[] = [before === '' ? '--- /dev/null' : `--- a/${path}`, after === '' ? '+++ /dev/null' : `+++ b/${path}`];
  const changes: number[] = [];
  ops.forEach((op, i) => { if (op.kind !== EQUAL) changes.push(i); });
  // Lines of each file before op i: where a hunk starting at op i sits.
  const oldBefore = new Int32Array(ops.length + 1);
  const newBefore = new Int32Array(ops.length + 1);
  ops.forEach((op, i) => {
    oldBefore[i + 1] = (oldBefore[i] ?? 0) + (op.kind === INSERT ? 0 : 1);
    newBefore[i + 1] = (newBefore[i] ?? 0) + (op.kind === DELETE ? 0 : 1);
  });
  const lastOld = oldSplit.lines.length - 1;
  const lastNew = newSplit.lines.length - 1;
  for (let c = 0; c < changes.length;) {
    const first = changes[c] ?? 0;
    let last = first;
    c++;
    while (c < changes.length && (changes[c] ?? 0) - last - 1 <= 2 * ctx) { last = changes[c] ?? last; c++; }
    const from = Math.max(0, first - ctx);
    const to = Math.min(ops.length, last + ctx + 1);
    const oldStart = oldBefore[from] ?? 0;
    const newStart = newBefore[from] ?? 0;
    let oldCount = 0;
    let newCount = 0;
    const body: string[] = [];
    for (let i = from; i < to; i++) {
      const op = ops[i];
      if (op === undefined) break;
      if (op.kind === EQUAL) {
        oldCount++; newCount++;
        body.push(` ${oldSplit.lines[op.oldIndex] ?? ''}`);
        if (oldSplit.noEol && op.oldIndex === lastOld) body.push('\\ No newline at end of file');
      } else if (op.kind === DELETE) {
        oldCount++;
        body.push(`-${oldSplit.lines[op.oldIndex] ?? ''}`);
        if (oldSplit.noEol && op.oldIndex === lastOld) body.push('\\ No newline at end of file');
      } else {
        newCount++;
        body.push(`+${newSplit.lines[op.newIndex] ?? ''}`);
        if (newSplit.noEol && op.newIndex === lastNew) body.push('\\ No newline at end of file');
      }
    }
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`, ...body);
  }
  return `${out.join('\n')}\n`;
}
