import { applyHunks, computeHunks, splitLines, streamingHunks, type EditHunk } from './edit-hunks.js';

/**
 * A rewrite proposed for lines [start, start + lines of `original`) of a file. Accepting or
 * rejecting one hunk gives the next proposal: accepting moves the hunk into `original` (the file
 * now holds it), rejecting takes it out of `rewritten`; the hunks left are always
 * computeHunks(original, rewritten), so the two can never drift apart.
 */
export interface EditProposal {
  /** 0-based first line of the rewritten region in the file. */
  readonly start: number;
  /** The region as the file holds it now (whole lines with their ends). */
  readonly original: string;
  /** The region as the model rewrote it (or as much as has streamed). */
  readonly rewritten: string;
}

/** A hunk where the diff editor shows it: its line in the file and in the proposed document. */
export interface PlacedHunk extends EditHunk {
  readonly index: number;
  /** 0-based line of the hunk's first removed line (or of the insertion point) in the file. */
  readonly fileLine: number;
  /** 0-based line of the hunk's first added line (or of the deletion point) in the proposed document. */
  readonly proposedLine: number;
}

/** Lines replaced in the file: [startLine, endLine) becomes `text`. */
export interface LineReplacement {
  readonly startLine: number;
  readonly endLine: number;
  readonly text: string;
}

/** The outcome of accepting hunks: the file change and the proposal left, or why it was refused. */
export type AcceptResult =
  | { readonly ok: true; readonly replace: LineReplacement; readonly next: EditProposal }
  | { readonly ok: false; readonly reason: string };

/** The hunks of a finished rewrite, or of one still streaming (`streaming`: its rest is not written yet). */
export function proposalHunks(proposal: EditProposal, streaming = false): EditHunk[] {
  return streaming ? streamingHunks(proposal.original, proposal.rewritten) : computeHunks(proposal.original, proposal.rewritten);
}

/**
 * Where each hunk sits: in the file, the region's start plus the hunk's line; in the proposed
 * document (the file with the hunks applied), shifted by what the hunks before it added or removed.
 */
export function placeHunks(start: number, hunks: readonly EditHunk[]): PlacedHunk[] {
  let shift = 0;
  return hunks.map((hunk, index) => {
    const fileLine = start + hunk.start;
    const placed = { ...hunk, index, fileLine, proposedLine: fileLine + shift };
    shift += hunk.added.length - hunk.removed.length;
    return placed;
  });
}

/** The region's text with the hunks applied as far as they are known (what the proposed document shows). */
export function proposedRegion(proposal: EditProposal, streaming = false): string {
  return applyHunks(proposal.original, proposalHunks(proposal, streaming), 'all');
}

/**
 * Accepts hunk `index` of a finished proposal against the file's current text: refused unless
 * the file still holds the region exactly as the proposal expects (an edit elsewhere in the
 * region, or lines inserted above it, would put the hunk in the wrong place; the document
 * version alone cannot tell an unrelated edit from those).
 */
export function acceptHunk(proposal: EditProposal, index: number, fileText: string): AcceptResult {
  const hunks = proposalHunks(proposal);
  const hunk = hunks[index];
  if (hunk === undefined) return { ok: false, reason: 'That change is no longer part of the proposal.' };
  const changed = regionChanged(proposal, fileText);
  if (changed !== undefined) return { ok: false, reason: changed };
  const startLine = proposal.start + hunk.start;
  return {
    ok: true,
    replace: { startLine, endLine: startLine + hunk.removed.length, text: hunk.added.join('') },
    next: { ...proposal, original: applyHunks(proposal.original, hunks, new Set([index])) },
  };
}

/** Accepts every hunk left: the whole region becomes the rewrite (refused like acceptHunk). */
export function acceptAll(proposal: EditProposal, fileText: string): AcceptResult {
  const changed = regionChanged(proposal, fileText);
  if (changed !== undefined) return { ok: false, reason: changed };
  const lines = splitLines(proposal.original).length;
  return {
    ok: true,
    replace: { startLine: proposal.start, endLine: proposal.start + lines, text: proposal.rewritten },
    next: { ...proposal, original: proposal.rewritten },
  };
}

/** Drops hunk `index` from the rewrite; the file is not touched. */
export function rejectHunk(proposal: EditProposal, index: number): EditProposal {
  const hunks = proposalHunks(proposal);
  if (index < 0 || index >= hunks.length) return proposal;
  const kept = new Set(hunks.map((_, i) => i).filter((i) => i !== index));
  return { ...proposal, rewritten: applyHunks(proposal.original, hunks, kept) };
}

/** What a lens was drawn for: a hunk's index and text at that moment. */
export interface HunkRef {
  readonly index: number;
  readonly removed: readonly string[];
  readonly added: readonly string[];
}

/**
 * The index, in the proposal as it is now, of the hunk `ref` was drawn for, or -1 when it is
 * gone. A lens clicked before VS Code redrew it (after another hunk was taken) still names its
 * own change: matched by text, the nearest to its old index when several read the same.
 */
export function findHunk(proposal: EditProposal, ref: HunkRef): number {
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((line, i) => line === b[i]);
  let found = -1;
  proposalHunks(proposal).forEach((hunk, index) => {
    if (!same(hunk.removed, ref.removed) || !same(hunk.added, ref.added)) return;
    if (found === -1 || Math.abs(index - ref.index) < Math.abs(found - ref.index)) found = index;
  });
  return found;
}

/** Whether nothing is left to accept or reject. */
export function isSettled(proposal: EditProposal): boolean {
  return proposalHunks(proposal).length === 0;
}

/** Why the file no longer matches the proposal's region, or undefined when it does. */
function regionChanged(proposal: EditProposal, fileText: string): string | undefined {
  const expected = splitLines(proposal.original);
  const actual = splitLines(fileText).slice(proposal.start, proposal.start + expected.length);
  const differs = expected.findIndex((line, i) => normalizeEnd(line) !== normalizeEnd(actual[i]));
  if (differs === -1) return undefined;
  return `The file changed under the proposed edit (line ${proposal.start + differs + 1} is not what it was): run Edit Selection again.`;
}

/** A line compared without its end: the file may use CRLF where the model wrote LF. */
function normalizeEnd(line: string | undefined): string | undefined {
  return line?.replace(/\r?\n$/, '');
}
