import { copyFile, lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { AgentError } from '../loop/agent-error.js';
import { gitignoreWalker } from '../tools/gitignore-walker.js';
import { MAX_SHADOW_BYTES, MAX_SHADOW_FILES } from './background-limits.js';
import { gitText, runGit } from './run-git.js';

/**
 * Where a background agent works instead of the user's files: a detached git worktree of the
 * user's repository at HEAD plus the uncommitted changes, or (outside git) a copy of the
 * workspace. Either way `baseTree` is a git tree of the starting point, so the agent's changes
 * are a `git diff` away.
 */
export interface IsolatedWorkspace {
  kind: 'git-worktree' | 'copy';
  /** The directory the worktree or copy lives in (removed by `removeIsolatedWorkspace`). */
  root: string;
  /** The agent's workspace: `root`, or the same subdirectory of it the user's workspace is of its repository. */
  workspace: string;
  /** The repository the worktree belongs to (git-worktree only). */
  repository?: string;
  /** `workspace` relative to `root` ('' or a path with `/` separators). */
  subdir: string;
  baseTree: string;
}

/**
 * Beside each worktree `<parent>/<id>`, not in it (it would show in the agent's diff): the process
 * that made it and the repository it is registered in, so a later run can remove what a crashed
 * one left (`sweepLeftoverWorktrees`).
 */
export const OWNER_SUFFIX = '.owner.json';

/** Creates the isolated copy of `workspace` under `parent/<id>`. */
export async function createIsolatedWorkspace(workspace: string, parent: string, id: string, signal?: AbortSignal): Promise<IsolatedWorkspace> {
  const root = join(parent, id);
  await mkdir(parent, { recursive: true });
  const top = await gitText(workspace, ['rev-parse', '--show-toplevel']).catch(() => undefined);
  const hasHead = top !== undefined && await gitText(top, ['rev-parse', '--verify', '-q', 'HEAD']).then(() => true, () => false);
  await writeFile(root + OWNER_SUFFIX, JSON.stringify({ pid: process.pid, ...(top !== undefined && hasHead ? { repository: top } : {}) }), { mode: 0o600 });
  try {
    if (top !== undefined && hasHead) return await fromWorktree(top, workspace, root, signal);
    return await fromCopy(workspace, root, signal);
  } catch (error) {
    await removeIsolatedWorkspace({ root, ...(top !== undefined && hasHead ? { repository: top } : {}) }).catch(() => undefined);
    throw error;
  }
}

async function fromWorktree(top: string, workspace: string, root: string, signal: AbortSignal | undefined): Promise<IsolatedWorkspace> {
  const options = signal === undefined ? {} : { signal };
  await runGit(top, ['worktree', 'add', '--detach', root, 'HEAD'], options);
  // The user's uncommitted edits (staged or not, deletions included), then their untracked files.
  const changes = await runGit(top, ['diff', 'HEAD', '--binary', '--no-color', '--no-ext-diff'], options);
  if (changes.length > 0) await runGit(root, ['apply', '--binary', '--whitespace=nowarn', '-'], { ...options, input: changes });
  const untracked = (await runGit(top, ['ls-files', '--others', '--exclude-standard', '-z'], options)).toString('utf8').split('\0').filter((path) => path !== '');
  for (const path of untracked) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(top, path), target).catch(() => undefined);
  }
  const subdir = relative(top, workspace).split(sep).join('/');
  return { kind: 'git-worktree', root, workspace: join(root, subdir), repository: top, subdir, baseTree: await snapshotTree(root, signal) };
}

async function fromCopy(workspace: string, root: string, signal: AbortSignal | undefined): Promise<IsolatedWorkspace> {
  await mkdir(root, { recursive: true });
  let files = 0;
  let bytes = 0;
  for await (const entry of gitignoreWalker(workspace, signal === undefined ? {} : { signal })) {
    if (entry.kind !== 'file') continue;
    files += 1;
    bytes += (await lstat(entry.absolutePath)).size;
    if (files > MAX_SHADOW_FILES || bytes > MAX_SHADOW_BYTES) {
      throw new AgentError('workspace_too_large', `The workspace is not a git repository and holds more than ${MAX_SHADOW_FILES} files or ${MAX_SHADOW_BYTES} bytes: too large to copy for a background agent.`);
    }
    const target = join(root, entry.path);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(entry.absolutePath, target);
  }
  // A private repository in the copy gives the same diff path as a worktree.
  await runGit(root, ['init', '-q'], signal === undefined ? {} : { signal });
  return { kind: 'copy', root, workspace: root, subdir: '', baseTree: await snapshotTree(root, signal) };
}

/** Stages everything in `root` and returns the tree id (no commit: nothing lands on a branch). */
export async function snapshotTree(root: string, signal?: AbortSignal): Promise<string> {
  const options = signal === undefined ? {} : { signal };
  await runGit(root, ['add', '-A'], options);
  return gitText(root, ['write-tree'], options);
}

/** Deletes the worktree (and its registration in the user's repository) or the copy. */
export async function removeIsolatedWorkspace(isolated: Pick<IsolatedWorkspace, 'root' | 'repository'>): Promise<void> {
  try {
    if (isolated.repository !== undefined) await runGit(isolated.repository, ['worktree', 'remove', '--force', isolated.root]).catch(() => undefined);
  } finally {
    await rm(isolated.root, { recursive: true, force: true });
    await rm(isolated.root + OWNER_SUFFIX, { force: true });
    if (isolated.repository !== undefined) await runGit(isolated.repository, ['worktree', 'prune']).catch(() => undefined);
  }
}
