import { runGit } from './run-git.js';
import { snapshotTree, type IsolatedWorkspace } from './isolated-workspace.js';

/** A background agent's changes: an apply_patch envelope ('' for none) and what could not go in it. */
export interface WorktreePatch {
  patch: string;
  /** Paths relative to the agent's workspace, in patch order. */
  files: string[];
  /** Binary files and the like, which an apply_patch envelope cannot carry. */
  skipped: string[];
}

/** Diffs the isolated workspace against its starting tree, as an apply_patch envelope. */
export async function worktreePatch(isolated: IsolatedWorkspace, signal?: AbortSignal): Promise<WorktreePatch> {
  const tree = await snapshotTree(isolated.root, signal);
  if (tree === isolated.baseTree) return { patch: '', files: [], skipped: [] };
  const args = ['diff', '--no-renames', '--no-color', '--no-ext-diff', '-U3', isolated.baseTree, tree];
  if (isolated.subdir !== '') args.push(`--relative=${isolated.subdir}`);
  const diff = await runGit(isolated.root, args, signal === undefined ? {} : { signal });
  return unifiedDiffToPatch(diff.toString('utf8'));
}

interface FileDiff {
  path: string;
  kind: 'add' | 'delete' | 'update';
  binary: boolean;
  body: string[];
}

/**
 * Converts `git diff` output to the apply_patch envelope the agent's apply-patch module parses:
 * new files as `*** Add File` with every line, deletions as `*** Delete File`, changes as
 * `*** Update File` with one bare `@@` section per unified hunk (its context and -/+ lines as
 * they are), so applying it checks the same context the diff saw.
 */
export function unifiedDiffToPatch(diff: string): WorktreePatch {
  const files: FileDiff[] = [];
  let current: FileDiff | undefined;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = { path: pathOf(line.slice('diff --git '.length).split(' b/').at(-1) ?? ''), kind: 'update', binary: false, body: [] };
      files.push(current);
      inHunk = false;
      continue;
    }
    if (current === undefined) continue;
    if (!inHunk) {
      if (line.startsWith('new file mode')) current.kind = 'add';
      else if (line.startsWith('deleted file mode')) current.kind = 'delete';
      else if (line.startsWith('Binary files ') || line.startsWith('GIT binary patch')) current.binary = true;
      else if (line.startsWith('+++ b/')) current.path = pathOf(line.slice('+++ b/'.length));
      else if (line.startsWith('--- a/') && current.kind === 'delete') current.path = pathOf(line.slice('--- a/'.length));
    }
    if (line.startsWith('@@')) {
      inHunk = true;
      current.body.push('@@');
      continue;
    }
    if (inHunk && (line.startsWith(' ') || line.startsWith('-') || line.startsWith('+'))) current.body.push(line);
  }
  const out: string[] = ['*** Begin Patch'];
  const paths: string[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    if (file.binary) { skipped.push(file.path); continue; }
    paths.push(file.path);
    if (file.kind === 'delete') out.push(`*** Delete File: ${file.path}`);
    else if (file.kind === 'add') out.push(`*** Add File: ${file.path}`, ...file.body.filter((line) => line.startsWith('+')));
    else out.push(`*** Update File: ${file.path}`, ...file.body);
  }
  out.push('*** End Patch');
  return { patch: paths.length === 0 ? '' : `${out.join('\n')}\n`, files: paths, skipped };
}

/** Git ends a path that holds spaces with a tab in the ---/+++ lines. */
function pathOf(raw: string): string {
  return raw.replace(/\t$/, '');
}
