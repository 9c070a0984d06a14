import { diffLines } from 'diff';

/**
 * One change of a rewrite: lines [start, start + removed.length) of the original (0-based) are
 * replaced by `added`. Lines keep their line ends, so joining them gives the text back.
 */
export interface EditHunk {
  readonly start: number;
  readonly removed: readonly string[];
  readonly added: readonly string[];
}

/**
 * The hunks that turn `original` into `rewritten`, line by line. Adjacent removals and
 * additions form one hunk (a changed line is one hunk, not two), in order, never overlapping.
 */
export function computeHunks(original: string, rewritten: string): EditHunk[] {
  const hunks: EditHunk[] = [];
  let line = 0;
  let current: { start: number; removed: string[]; added: string[] } | undefined;
  for (const part of diffLines(original, rewritten)) {
    const lines = splitLines(part.value);
    if (!part.added && !part.removed) {
      if (current !== undefined) { hunks.push(current); current = undefined; }
      line += lines.length;
      continue;
    }
    current ??= { start: line, removed: [], added: [] };
    if (part.removed) { current.removed.push(...lines); line += lines.length; } else current.added.push(...lines);
  }
  if (current !== undefined) hunks.push(current);
  return hunks;
}

/**
 * The hunks of a rewrite still streaming: the diff of the lines complete so far against the
 * original, leaving out a trailing deletion (the original's rest is not rewritten yet, not removed).
 */
export function streamingHunks(original: string, partial: string): EditHunk[] {
  const end = partial.lastIndexOf('\n');
  if (end === -1) return [];
  const done = partial.slice(0, end + 1);
  const originalLines = splitLines(original);
  const hunks = computeHunks(original, done);
  const last = hunks[hunks.length - 1];
  // A change reaching the original's end holds its not-yet-rewritten rest: as many lines as were
  // written count as replaced, the others are still to come.
  if (last !== undefined && last.start + last.removed.length === originalLines.length) {
    if (last.added.length === 0) hunks.pop();
    else hunks[hunks.length - 1] = { ...last, removed: last.removed.slice(0, last.added.length) };
  }
  return hunks;
}

/** `original` with only the hunks whose index is in `accepted` (or all) applied (hunks from computeHunks(original, …)). */
export function applyHunks(original: string, hunks: readonly EditHunk[], accepted: ReadonlySet<number> | 'all'): string {
  const lines = splitLines(original);
  const out: string[] = [];
  let line = 0;
  hunks.forEach((hunk, index) => {
    out.push(...lines.slice(line, hunk.start));
    out.push(...(accepted === 'all' || accepted.has(index) ? hunk.added : hunk.removed));
    line = hunk.start + hunk.removed.length;
  });
  out.push(...lines.slice(line));
  return out.join('');
}

/** Lines with their ends (`\n`, `\r\n`); the last one may have none. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
