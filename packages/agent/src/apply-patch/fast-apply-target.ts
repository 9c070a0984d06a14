import { hunkNewLines, normalizePatchPath, type PatchOperation } from '@spark/protocol';

/**
 * Share of a file's lines an Update must remove before fast apply takes it as a rewrite: past
 * half the file, the patch repeats most of the file twice (as `-` and as `+` lines).
 */
export const DEFAULT_FAST_APPLY_MIN_SHARE = 0.5;

/** Comment that stands for unchanged code between an edit's hunks (`FAST_APPLY_INSTRUCTIONS` names it). */
export const ELIDED_CODE = '// ... existing code ...';

/** A patch fast apply may turn into a rewrite: the file and the edit to merge into it. */
export interface FastApplyTarget {
  path: string;
  /** The new code as the patch gives it: the whole new file, or the hunks' new lines with elisions between them. */
  edit: string;
}

/**
 * Whether `operations` rewrite most of one existing file: a Delete and an Add of the same path,
 * or a single Update (no move) whose removed lines are at least `minShare` of the file's lines.
 * `current` is the file's text now. Anything else (several files, a small edit) is left to the
 * patch.
 */
export function fastApplyTarget(operations: readonly PatchOperation[], current: (path: string) => string | undefined, minShare = DEFAULT_FAST_APPLY_MIN_SHARE): FastApplyTarget | undefined {
  const [first, second] = operations;
  if (first === undefined) return undefined;
  const path = normalizePatchPath(first.path);
  const text = current(path);
  if (text === undefined || text === '') return undefined;
  if (operations.length === 2 && first.type === 'delete' && second?.type === 'add' && normalizePatchPath(second.path) === path) {
    return { path, edit: second.contents };
  }
  if (operations.length !== 1 || first.type !== 'update' || first.moveTo !== undefined) return undefined;
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const removed = first.hunks.reduce((sum, hunk) => sum + hunk.lines.filter((line) => line.kind === '-').length, 0);
  if (removed < minShare * lines) return undefined;
  return { path, edit: first.hunks.map((hunk) => hunkNewLines(hunk.lines).join('\n')).join(`\n${ELIDED_CODE}\n`) };
}
