import { hunkNewLines, hunkOldLines, type Hunk, type HunkLine } from './parse-patch.js';
import { seekSequence } from './seek-sequence.js';

/**
 * A file's text before an update, rebuilt from its text after it: each hunk's new lines are
 * sought (with apply_patch's ladder) from where the previous hunk ended and replaced by its old
 * lines. Undefined when a hunk's new lines are not found in order (the file changed since).
 */
export function unapplyHunks(after: string, hunks: readonly Hunk[]): string | undefined {
  const eol = after.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = after.endsWith('\n');
  const lines = after === '' ? [] : after.split(/\r?\n/);
  if (finalNewline) lines.pop();
  let cursor = 0;
  for (const hunk of hunks) {
    let start = cursor;
    for (const anchor of hunk.anchors) {
      const at = seekSequence(lines, [anchor], start)?.indices[0];
      if (at === undefined) return undefined;
      start = at + 1;
    }
    const body = withoutTrailingBlankContext(hunk.lines, lines, start, hunk.isEndOfFile);
    const added = hunkNewLines(body);
    const removed = hunkOldLines(body);
    const at = added.length === 0 ? (hunk.isEndOfFile ? lines.length : start) : seekSequence(lines, added, start, { endOfFile: hunk.isEndOfFile })?.indices[0];
    if (at === undefined) return undefined;
    lines.splice(at, added.length, ...removed);
    cursor = at + removed.length;
  }
  if (lines.length === 0) return '';
  return lines.join(eol) + (finalNewline ? eol : '');
}

// As applying does: trailing empty context lines often stood for the final newline, not a line.
function withoutTrailingBlankContext(body: readonly HunkLine[], lines: readonly string[], start: number, endOfFile: boolean): readonly HunkLine[] {
  let used = body;
  for (;;) {
    const last = used.at(-1);
    if (used.length < 2 || last?.kind !== ' ' || last.text !== '') return used;
    if (seekSequence(lines, hunkNewLines(used), start, { endOfFile }) !== undefined) return used;
    used = used.slice(0, -1);
  }
}
