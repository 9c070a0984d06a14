import { bestCandidateExcerpt, type ExcerptLimits } from './best-candidate-excerpt.js';
import { hunkOldLines, type Hunk, type HunkLine } from './parse-patch.js';
import { PatchError } from './patch-error.js';
import { seekSequence, type SeekResult } from './seek-sequence.js';

/** Where a hunk goes in the file's lines and what replaces them there. */
export interface HunkPlacement {
  /** 0-based first line replaced. */
  readonly start: number;
  readonly deleteCount: number;
  readonly lines: readonly string[];
  /** Where the next hunk of the same file is sought from. */
  readonly next: number;
}

/** A hunk placed, or why it cannot be: the error applying would throw, the lines sought and the file's nearest text. */
export type HunkLocation =
  | { readonly ok: true; readonly placement: HunkPlacement }
  | { readonly ok: false; readonly error: PatchError; readonly expected: readonly string[]; readonly excerpt: string };

/** Which hunk is placed, for the error message (the label reads like `'a.ts', hunk 2 of 3 (patch line 9)`). */
export interface HunkLabel {
  readonly path: string;
  /** 1-based index within its `*** Update File` section. */
  readonly hunk: number;
  readonly label: string;
}

/**
 * Places one update hunk in `lines` at or after `start` with apply_patch's rules: anchors in
 * file order, then the context and `-` lines through `seekSequence`'s ladder (with Codex's retry
 * without trailing empty context lines); a match in several places without an anchor is
 * ambiguous. Used by `applyPatch` and by the check of hunks while a patch streams.
 */
export function locateHunk(lines: readonly string[], hunk: Hunk, start: number, where: HunkLabel, excerpt?: ExcerptLimits): HunkLocation {
  const details = { path: where.path, hunk: where.hunk, line: hunk.line };
  let from = start;
  for (const anchor of hunk.anchors) {
    // Anchors are headings met in file order: the first one after the cursor is meant.
    const at = seekSequence(lines, [anchor], from)?.indices[0];
    if (at === undefined) {
      const quoted = bestCandidateExcerpt(lines, [anchor], from, excerpt);
      const error = new PatchError(
        'context_not_found',
        `Failed to apply ${where.label}: the anchor '@@ ${anchor}' was not found${from > 0 ? ` after line ${from}` : ''}.\n${quoted}`,
        details,
      );
      return { ok: false, error, expected: [anchor], excerpt: quoted };
    }
    from = at + 1;
  }
  const body = hunk.lines;
  if (!body.some((l) => l.kind !== '+')) {
    // Pure insertion: after the innermost anchor, else at the end of the file.
    const at = hunk.anchors.length > 0 ? from : lines.length;
    return { ok: true, placement: { start: at, deleteCount: 0, lines: body.map((l) => l.text), next: at } };
  }
  const { used, found } = seekHunk(lines, body, hunk.isEndOfFile, from);
  const at = found?.indices[0];
  if (found === undefined || at === undefined) {
    const expected = hunkOldLines(body);
    const quoted = bestCandidateExcerpt(lines, expected, from, excerpt);
    const error = new PatchError(
      'context_not_found',
      `Failed to apply ${where.label}: its context and '-' lines were not found${from > 0 ? ` after line ${from}` : ''}. The file's real text is below; copy context from it exactly and retry.\n${quoted}`,
      details,
    );
    return { ok: false, error, expected, excerpt: quoted };
  }
  if (found.indices.length > 1 && hunk.anchors.length === 0) {
    const shown = found.indices.slice(0, 10).map((i) => i + 1).join(', ');
    const error = new PatchError(
      'ambiguous_match',
      `Failed to apply ${where.label}: its context matches ${found.indices.length} places (starting at lines ${shown}). Add an '@@ <line>' anchor naming the enclosing function or class, or more context lines, so it matches once.`,
      details,
    );
    return { ok: false, error, expected: hunkOldLines(used), excerpt: '' };
  }
  // Context lines keep the file's real text (its whitespace and punctuation), not the patch's.
  const replacement: string[] = [];
  let offset = 0;
  for (const line of used) {
    if (line.kind === '+') replacement.push(line.text);
    else if (line.kind === ' ') replacement.push(lines[at + offset++] ?? line.text);
    else offset++;
  }
  return { ok: true, placement: { start: at, deleteCount: offset, lines: replacement, next: at + offset } };
}

// Codex's retry: trailing empty context lines often stand for the final newline, not a line.
function seekHunk(lines: readonly string[], body: readonly HunkLine[], endOfFile: boolean, start: number): { used: readonly HunkLine[]; found: SeekResult | undefined } {
  let used = body;
  for (;;) {
    const found = seekSequence(lines, hunkOldLines(used), start, { endOfFile });
    const last = used.at(-1);
    if (found !== undefined || used.length < 2 || last?.kind !== ' ' || last.text !== '') return { used, found };
    used = used.slice(0, -1);
  }
}
