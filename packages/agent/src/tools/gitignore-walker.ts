import { readFile, readdir } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';

/** Most entries one walk yields before it stops (a runaway tree must not stall the agent). */
export const DEFAULT_WALK_MAX_ENTRIES = 100_000;
/** Ignore files read in every directory; later ones win over earlier ones, as in ripgrep. */
export const IGNORE_FILE_NAMES = ['.gitignore', '.ignore'] as const;
/** Entries never walked, whatever the rules say: git's own database. */
export const ALWAYS_SKIPPED_NAMES = new Set(['.git']);

/** What kind of filesystem entry was found; symlinks are reported, never followed. */
export type WalkEntryKind = 'file' | 'directory' | 'symlink' | 'other';

/** One entry of the tree, not ignored by any rule. */
export interface WalkEntry {
  /** Relative to the walk's `root`, `/` separators. */
  path: string;
  name: string;
  absolutePath: string;
  kind: WalkEntryKind;
  /** 1 for the direct children of the start directory. */
  depth: number;
}

/** Where to start, how far to go, and cancellation. */
export interface WalkOptions {
  /** The directory to list, relative to `root` (`/` separators); default the root itself. */
  start?: string;
  /** Deepest level yielded (1 = the start directory's children only); default unlimited. */
  maxDepth?: number;
  /** Default `DEFAULT_WALK_MAX_ENTRIES`. */
  maxEntries?: number;
  signal?: AbortSignal;
}

/** How a walk ended, as the generator's return value. */
export interface WalkSummary {
  /** Stopped at `maxEntries` with entries left unvisited. */
  truncated: boolean;
  entries: number;
}

/** The rules of one directory's ignore files; `base` is that directory relative to the root, `''` or ending in `/`. */
interface RuleSet {
  base: string;
  rules: Ignore;
  /** The patterns that match at any depth (no `/` but a trailing one), kept for `rulesBelow`. */
  floating: string[];
}

interface PendingDirectory {
  path: string;
  depth: number;
  rules: readonly RuleSet[];
}

// Git folds case where the filesystem usually does (core.ignorecase defaults to true there).
const IGNORE_CASE = process.platform === 'darwin' || process.platform === 'win32';

/**
 * Walks `root` (or `options.start` below it) breadth-first, yielding every entry not excluded by
 * the `.gitignore`/`.ignore` files of its directory and all directories above it up to `root`,
 * plus `root/.git/info/exclude`. Deeper rules win, as in git. Directories come before files, each
 * group sorted by name. `.git` is always skipped; symlinks are yielded but not followed. A
 * directory that cannot be read is skipped. Rejects with `signal.reason` when aborted.
 *
 * One simplification: once a directory is walked although an outer rule set excludes it (an
 * inner `!dir/` re-included it, or it is the explicitly requested start), only that set's
 * unanchored patterns (`*.log`, `build/`) still apply below it; its anchored ones (`/out`,
 * `src/gen`) no longer do.
 */
export async function* gitignoreWalker(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry, WalkSummary, undefined> {
  const maxEntries = options.maxEntries ?? DEFAULT_WALK_MAX_ENTRIES;
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const signal = options.signal;
  const start = (options.start ?? '').split('/').filter((s) => s !== '' && s !== '.').join('/');

  let level: PendingDirectory[] = [{ path: start, depth: 0, rules: await rulesDownTo(root, start) }];
  let entries = 0;
  while (level.length > 0) {
    const nextLevel: PendingDirectory[] = [];
    for (const directory of level) {
      signal?.throwIfAborted();
      const dirents = await readDirectory(join(root, directory.path));
      const rules = await withOwnRules(root, directory.path, dirents, directory.rules);
      const children = dirents
        .filter((dirent) => !ALWAYS_SKIPPED_NAMES.has(dirent.name))
        .map((dirent) => ({ dirent, kind: kindOf(dirent) }))
        .filter(({ dirent, kind }) => !isIgnored(rules, childPath(directory.path, dirent.name), kind === 'directory'))
        .sort((a, b) => Number(b.kind === 'directory') - Number(a.kind === 'directory') || compareNames(a.dirent.name, b.dirent.name));
      for (const { dirent, kind } of children) {
        if (entries >= maxEntries) return { truncated: true, entries };
        signal?.throwIfAborted();
        const path = childPath(directory.path, dirent.name);
        entries++;
        yield { path, name: dirent.name, absolutePath: join(root, path), kind, depth: directory.depth + 1 };
        if (kind === 'directory' && directory.depth + 1 < maxDepth) {
          nextLevel.push({ path, depth: directory.depth + 1, rules: rulesBelow(rules, path) });
        }
      }
    }
    level = nextLevel;
  }
  return { truncated: false, entries };
}

/** Whether the rules exclude `path` (relative to the root); deeper rule sets are asked first. */
function isIgnored(rules: readonly RuleSet[], path: string, directory: boolean): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const set = rules[i];
    if (set === undefined || !path.startsWith(set.base)) continue;
    const relative = path.slice(set.base.length) + (directory ? '/' : '');
    const verdict = set.rules.test(relative);
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

// The rule sets that apply inside `directory`. A set that excludes the directory was overruled;
// asked about paths below it, `ignore` would answer "ignored" for every one (a parent is), so
// it is replaced by its unanchored patterns, rooted at the directory.
function rulesBelow(rules: readonly RuleSet[], directory: string): readonly RuleSet[] {
  let changed = false;
  const below: RuleSet[] = [];
  for (const set of rules) {
    if (!set.rules.ignores(`${directory.slice(set.base.length)}/`)) {
      below.push(set);
      continue;
    }
    changed = true;
    if (set.floating.length > 0) below.push(ruleSet(`${directory}/`, set.floating));
  }
  return changed ? below : rules;
}

function ruleSet(base: string, lines: string[]): RuleSet {
  return { base, rules: newRules().add(lines), floating: lines.filter(isFloating) };
}

function isFloating(line: string): boolean {
  const pattern = line.trim().replace(/^!/, '').replace(/\/+$/, '');
  return pattern !== '' && !pattern.startsWith('#') && (!pattern.includes('/') || /^\*\*\/[^/]*$/.test(pattern));
}

// The rule sets of the root and every directory down to (not including) `start`.
async function rulesDownTo(root: string, start: string): Promise<readonly RuleSet[]> {
  let rules: readonly RuleSet[] = [];
  const exclude = await readIgnoreFile(join(root, '.git', 'info', 'exclude'));
  if (exclude !== undefined) rules = [ruleSet('', exclude.split(/\r?\n/))];
  if (start === '') return rules;
  let path = '';
  for (const segment of start.split('/')) {
    rules = await withOwnRules(root, path, undefined, rules);
    path = childPath(path, segment);
    rules = rulesBelow(rules, path);
  }
  return rules;
}

// `rules` plus the ignore files of `directory`, if it has any.
async function withOwnRules(root: string, directory: string, dirents: Dirent[] | undefined, rules: readonly RuleSet[]): Promise<readonly RuleSet[]> {
  const lines: string[] = [];
  for (const name of IGNORE_FILE_NAMES) {
    if (dirents !== undefined && !dirents.some((dirent) => dirent.name === name && !dirent.isDirectory())) continue;
    const text = await readIgnoreFile(join(root, directory, name));
    if (text !== undefined) lines.push(...text.split(/\r?\n/));
  }
  return lines.length === 0 ? rules : [...rules, ruleSet(directory === '' ? '' : `${directory}/`, lines)];
}

async function readIgnoreFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function readDirectory(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch {
    return [];
  }
}

function newRules(): Ignore {
  return ignore({ ignoreCase: IGNORE_CASE, allowRelativePaths: true });
}

function kindOf(dirent: Dirent): WalkEntryKind {
  if (dirent.isDirectory()) return 'directory';
  if (dirent.isFile()) return 'file';
  if (dirent.isSymbolicLink()) return 'symlink';
  return 'other';
}

function childPath(directory: string, name: string): string {
  return directory === '' ? name : `${directory}/${name}`;
}

// Plain code-unit order: stable across locales, and what `ls` shows under LC_ALL=C.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
