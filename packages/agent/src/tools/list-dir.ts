import { readlink } from 'node:fs/promises';
import { gitignoreWalker } from './gitignore-walker.js';
import type { WalkEntry, WalkSummary } from './gitignore-walker.js';
import { statTarget } from './missing-path-error.js';
import { displayPath, resolveWorkspacePath } from './resolve-workspace-path.js';
import { ToolError } from './tool-error.js';
import { DEFAULT_LIST_DEPTH, MAX_LIST_DEPTH } from './tool-limits.js';

/** Most entries shown; the rest are summarized as "... N more" per directory. */
export const DEFAULT_LIST_MAX_ENTRIES = 200;
/** Most entries scanned to count what is not shown. */
export const DEFAULT_LIST_SCAN_ENTRIES = 10_000;
const INDENT = '  ';

/** Arguments as the model sends them; `path` `''` is the workspace root, `depth` 0 the default. */
export interface ListDirArgs {
  path?: string;
  depth?: number;
}

/** Limits and cancellation for `listWorkspaceDir`. */
export interface ListDirOptions {
  signal?: AbortSignal;
  /** Default `DEFAULT_LIST_MAX_ENTRIES`. */
  maxEntries?: number;
  /** Default `DEFAULT_LIST_SCAN_ENTRIES`. */
  maxScan?: number;
}

/** A directory tree as text for the model, plus what it left out. */
export interface ListDirResult {
  /** Workspace-relative, `/` separators; `.` for the root. */
  path: string;
  /** The tree: directories first with a `/` suffix, two spaces of indent per level. */
  text: string;
  /** Entries shown. */
  shown: number;
  /** Entries found but not shown (summarized as "... N more" lines). */
  omitted: number;
  /** The scan stopped at its limit, so more entries exist than were counted. */
  scanTruncated: boolean;
}

/**
 * Lists a workspace directory as a compact tree, `depth` levels deep (1..5), hiding what
 * .gitignore/.ignore exclude and `.git`. Shallow entries are shown first; when the tree is
 * larger than the limit, each directory ends with a "... N more" line. Rejects with
 * `signal.reason` when aborted.
 */
export async function listWorkspaceDir(workspace: string, args: ListDirArgs, options: ListDirOptions = {}): Promise<ListDirResult> {
  const depth = clampDepth(args.depth ?? 0);
  const maxEntries = options.maxEntries ?? DEFAULT_LIST_MAX_ENTRIES;
  const target = await resolveWorkspacePath(workspace, args.path ?? '');
  const shownPath = displayPath(target.relative);
  if (!(await statTarget(target, 'list')).isDirectory()) {
    throw new ToolError('not_directory', `'${shownPath}' is a file, not a directory. Use read_file to read it.`, { path: shownPath });
  }

  const walk = gitignoreWalker(target.root, {
    start: target.relative,
    maxDepth: depth,
    maxEntries: Math.max(options.maxScan ?? DEFAULT_LIST_SCAN_ENTRIES, maxEntries),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  // The walk is breadth-first, so the first `maxEntries` are the shallowest ones.
  const children = new Map<string, WalkEntry[]>();
  const omitted = new Map<string, number>();
  let shown = 0;
  let hidden = 0;
  let summary: WalkSummary;
  for (;;) {
    const next = await walk.next();
    if (next.done === true) {
      summary = next.value;
      break;
    }
    const entry = next.value;
    const parent = parentOf(entry.path);
    if (shown < maxEntries) {
      shown++;
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [entry]);
      else list.push(entry);
    } else {
      hidden++;
      omitted.set(parent, (omitted.get(parent) ?? 0) + 1);
    }
  }

  const lines = [`${shownPath}/`];
  const render = async (directory: string, level: number): Promise<void> => {
    const indent = INDENT.repeat(level);
    for (const entry of children.get(directory) ?? []) {
      lines.push(indent + (await label(entry)));
      if (entry.kind === 'directory') await render(entry.path, level + 1);
    }
    const more = omitted.get(directory);
    if (more !== undefined) lines.push(`${indent}... ${more} more`);
  };
  await render(target.relative, 1);
  if (shown === 0 && !summary.truncated) lines.push(`${INDENT}(empty)`);
  if (summary.truncated) {
    lines.push(`[Stopped counting after ${summary.entries} entries. List a subdirectory or use a smaller depth.]`);
  } else if (hidden > 0) {
    lines.push(`[${hidden} more entries not shown. List a subdirectory to see them.]`);
  }
  return { path: shownPath, text: lines.join('\n'), shown, omitted: hidden, scanTruncated: summary.truncated };
}

function clampDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 0) {
    throw new ToolError('invalid_arguments', `depth must be a whole number from 1 to ${MAX_LIST_DEPTH} (0 means ${DEFAULT_LIST_DEPTH}), not ${String(depth)}.`);
  }
  return depth === 0 ? DEFAULT_LIST_DEPTH : Math.min(depth, MAX_LIST_DEPTH);
}

async function label(entry: WalkEntry): Promise<string> {
  switch (entry.kind) {
    case 'directory':
      return `${entry.name}/`;
    case 'symlink': {
      const target = await readlink(entry.absolutePath).catch(() => '?');
      return `${entry.name} -> ${target}`;
    }
    case 'file':
    case 'other':
      return entry.name;
    default: {
      const never: never = entry.kind;
      return String(never);
    }
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}
