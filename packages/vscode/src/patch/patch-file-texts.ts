import { parsePatch, unapplyHunks, type PatchOperation } from '@spark/protocol';

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
 * `read`); the before text of an update is found by undoing the patch's hunks on it
 * (`unapplyHunks` from @spark/protocol, which seeks as apply_patch does).
 */
export function patchFileTexts(patch: string, changes: readonly AppliedChange[], read: (path: string) => string | undefined): PatchFileTexts[] {
  const files = parsedOrNone(patch);
  return changes.map((change) => {
    const file = files.find((candidate) => normalizePath(candidate.type === 'update' ? (candidate.moveTo ?? candidate.path) : candidate.path) === change.path);
    const beforePath = file === undefined ? change.path : normalizePath(file.path);
    switch (change.kind) {
      case 'A':
        return { path: change.path, kind: change.kind, beforePath, before: '', after: read(change.path) };
      case 'D':
        return { path: change.path, kind: change.kind, beforePath, before: undefined, after: '' };
      case 'M': {
        const after = read(change.path);
        const before = after === undefined || file?.type !== 'update' ? undefined : unapplyHunks(after, file.hunks);
        return { path: change.path, kind: change.kind, beforePath, before, after };
      }
    }
  });
}

// A patch the agent applied parsed there; one that does not parse here has no hunks to undo.
function parsedOrNone(patch: string): PatchOperation[] {
  try {
    return parsePatch(patch);
  } catch {
    return [];
  }
}

/** A patch path as the agent reports it: no leading `./`, forward slashes. */
function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}
