import { hunkNewLines, hunkOldLines, normalizePatchPath, parsePatch, seekSequence, type PatchOperation } from '@spark/agent';

/** One file a patch changed, as `patch.applied` names it (`kind` A, M or D; `path` relative to the workspace). */
export interface AppliedChange {
  readonly kind: 'A' | 'M' | 'D';
  readonly path: string;
}

/** A changed file's text before and after the patch, for a diff editor. */
export interface PatchFileTexts {
  readonly path: string;
  readonly kind: AppliedChange['kind'];
  /** The path before a `*** Move to` (else `path`). */
  readonly beforePath: string;
  /**
   * The text before the patch: '' for an added file; rebuilt from the file now and the patch's
   * hunks for an update; undefined when it cannot be told (a deleted file: the patch does not
   * hold its text; an update the file no longer matches).
   */
  readonly before: string | undefined;
  /** The text after the patch: the file as it is now; '' for a deleted file; undefined when it cannot be read. */
  readonly after: string | undefined;
}

/**
 * Each changed file's before and after text. The after text is the file on disk (read by
 * `read`); the before text of an update is found by undoing the patch's hunks on it: each
 * hunk's new lines are sought (as apply_patch seeks, tolerating whitespace) from where the
 * previous hunk ended and replaced by its old lines.
 */
export function patchFileTexts(patch: string, changes: readonly AppliedChange[], read: (path: string) => string | undefined): PatchFileTexts[] {
  let operations: PatchOperation[];
  try {
    operations = parsePatch(patch);
  } catch {
    operations = [];
  }
  return changes.map((change) => {
    const operation = operations.find((op) => normalizePatchPath(op.type === 'update' && op.moveTo !== undefined ? op.moveTo : op.path) === change.path);
    const beforePath = operation === undefined ? change.path : normalizePatchPath(operation.path);
    switch (change.kind) {
      case 'A':
        return { path: change.path, kind: change.kind, beforePath, before: '', after: read(change.path) };
      case 'D':
        return { path: change.path, kind: change.kind, beforePath, before: undefined, after: '' };
      case 'M': {
        const after = read(change.path);
        const before = after === undefined || operation?.type !== 'update' ? undefined : unapplyHunks(after, operation);
        return { path: change.path, kind: change.kind, beforePath, before, after };
      }
    }
  });
}

/** `after` with an update's hunks undone, or undefined when a hunk's new lines are not found in order. */
export function unapplyHunks(after: string, operation: Extract<PatchOperation, { type: 'update' }>): string | undefined {
  const lines = after.split('\n');
  let cursor = 0;
  for (const hunk of operation.hunks) {
    const added = hunkNewLines(hunk.lines);
    const removed = hunkOldLines(hunk.lines);
    const found = seekSequence(lines, added, cursor, { endOfFile: hunk.isEndOfFile });
    const at = found?.indices[0];
    if (at === undefined) return undefined;
    lines.splice(at, added.length, ...removed);
    cursor = at + removed.length;
  }
  return lines.join('\n');
}
