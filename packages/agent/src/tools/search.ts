import { open } from 'node:fs/promises';
import { compileGlob } from './compile-glob.js';
import type { GlobMatcher } from './compile-glob.js';
import { compileSearchPattern } from './compile-search-pattern.js';
import type { CompiledPattern } from './compile-search-pattern.js';
import { gitignoreWalker } from './gitignore-walker.js';
import type { WalkEntry, WalkSummary } from './gitignore-walker.js';
import { statTarget } from './missing-path-error.js';
import { BINARY_SNIFF_BYTES } from './read-file.js';
import { displayPath, resolveWorkspacePath } from './resolve-workspace-path.js';
import { ToolError, systemErrorCode } from './tool-error.js';
import { DEFAULT_SEARCH_MAX_RESULTS } from './tool-limits.js';

/** Most matches one search returns, whatever the model asks for. */
export const MAX_SEARCH_RESULTS = 1000;
/** Files larger than this are skipped (generated bundles, logs, data). */
export const DEFAULT_SEARCH_MAX_FILE_BYTES = 1024 * 1024;
/** Files read at the same time. */
export const DEFAULT_SEARCH_CONCURRENCY = 16;
/** Longer matching lines are cut to a window around the match. */
export const DEFAULT_SEARCH_LINE_CHARS = 200;
/** Most directory entries one search walks. */
export const DEFAULT_SEARCH_MAX_ENTRIES = 100_000;

/** Arguments as the model sends them; `path` `''` is the workspace root, `glob` `''` every file. */
export interface SearchArgs {
  /** A JavaScript regular expression, matched against each line. */
  pattern: string;
  path?: string;
  /** gitignore-style: `*.ts`, `src/**\/*.ts`, `*.{ts,tsx}`, `!*.test.ts`. */
  glob?: string;
  /** Undefined or null: smart case (insensitive unless the pattern has an uppercase letter). */
  case_sensitive?: boolean | null;
  /** 0 or undefined: `DEFAULT_SEARCH_MAX_RESULTS`. */
  max_results?: number;
}

/** Limits and cancellation for `searchWorkspace`. */
export interface SearchOptions {
  signal?: AbortSignal;
  /** Default `MAX_SEARCH_RESULTS`; caps `args.max_results`. */
  maxResults?: number;
  /** Default `DEFAULT_SEARCH_MAX_FILE_BYTES`. */
  maxFileBytes?: number;
  /** Default `DEFAULT_SEARCH_CONCURRENCY`. */
  concurrency?: number;
  /** Default `DEFAULT_SEARCH_LINE_CHARS`. */
  maxLineChars?: number;
  /** Default `DEFAULT_SEARCH_MAX_ENTRIES`. */
  maxEntries?: number;
}

/** One matching line. */
export interface SearchMatch {
  /** Workspace-relative, `/` separators. */
  path: string;
  /** 1-based. */
  line: number;
  /** The line, cut to a window around the match when long (`…` marks the cuts). */
  text: string;
}

/** The matches in walk order (shallow directories first, then by name), and what was left out. */
export interface SearchResult {
  pattern: string;
  /** The searched directory or file, workspace-relative; `.` for the root. */
  path: string;
  caseSensitive: boolean;
  matches: SearchMatch[];
  /** More matches exist than were returned. */
  truncated: boolean;
  /** Matches found beyond the limit before the search stopped: a lower bound of what was left out. */
  moreMatches: number;
  filesSearched: number;
  /** Files skipped for being larger than the size limit. */
  skippedLargeFiles: number;
  /** The walk stopped at its entry limit, so some files were never searched. */
  scanTruncated: boolean;
}

interface FileOutcome {
  matches: SearchMatch[];
  searched: boolean;
  large: boolean;
}

/**
 * Searches the workspace (or `path`, a directory or a single file) for lines matching a
 * JavaScript regex, honouring .gitignore/.ignore, skipping binary files, files over the size
 * limit and symlinks. Reads several files at once but returns matches in walk order. Stops once
 * more than `max_results` matches are known. Rejects with `signal.reason` when aborted.
 */
export async function searchWorkspace(workspace: string, args: SearchArgs, options: SearchOptions = {}): Promise<SearchResult> {
  const compiled = compileSearchPattern(args.pattern, args.case_sensitive);
  const cap = options.maxResults ?? MAX_SEARCH_RESULTS;
  const requested = args.max_results ?? 0;
  if (!Number.isInteger(requested) || requested < 0) {
    throw new ToolError('invalid_arguments', `max_results must be a whole number >= 0 (0 means ${DEFAULT_SEARCH_MAX_RESULTS}), not ${String(requested)}.`);
  }
  const maxResults = Math.min(requested === 0 ? DEFAULT_SEARCH_MAX_RESULTS : requested, cap);
  const glob = compileGlob(args.glob ?? '');
  const signal = options.signal;
  signal?.throwIfAborted();

  const target = await resolveWorkspacePath(workspace, args.path ?? '');
  const shownPath = displayPath(target.relative);
  const info = await statTarget(target, 'search');
  const searcher = new FileSearcher(compiled, maxResults + 1, options.maxFileBytes ?? DEFAULT_SEARCH_MAX_FILE_BYTES, options.maxLineChars ?? DEFAULT_SEARCH_LINE_CHARS, signal);
  const base = { pattern: args.pattern, path: shownPath, caseSensitive: compiled.caseSensitive };

  if (!info.isDirectory()) {
    // An explicitly named file is searched whatever the glob and ignore rules say.
    const outcome = info.isFile() ? await searcher.search(target.absolute, target.relative) : { matches: [], searched: false, large: false };
    return {
      ...base,
      ...limit(outcome.matches, maxResults),
      filesSearched: outcome.searched ? 1 : 0,
      skippedLargeFiles: outcome.large ? 1 : 0,
      scanTruncated: false,
    };
  }

  const walk = gitignoreWalker(target.root, {
    start: target.relative,
    maxEntries: options.maxEntries ?? DEFAULT_SEARCH_MAX_ENTRIES,
    ...(signal === undefined ? {} : { signal }),
  });
  const files = new OrderedFiles(walk, selectFile(glob, target.relative));
  const outcomes: FileOutcome[] = [];
  let found = 0;
  const worker = async (): Promise<void> => {
    while (found <= maxResults) {
      const next = await files.next();
      if (next === undefined) return;
      const outcome = await searcher.search(next.entry.absolutePath, next.entry.path);
      outcomes[next.index] = outcome;
      found += outcome.matches.length;
    }
  };
  try {
    const workers = Array.from({ length: Math.max(1, options.concurrency ?? DEFAULT_SEARCH_CONCURRENCY) }, worker);
    await Promise.all(workers);
  } finally {
    await walk.return({ truncated: false, entries: 0 });
  }
  signal?.throwIfAborted();
  // Every file handed out was searched to the end, so the first matches in walk order are exact.
  const all = outcomes.flatMap((outcome) => outcome.matches);
  return {
    ...base,
    ...limit(all, maxResults),
    filesSearched: outcomes.filter((outcome) => outcome.searched).length,
    skippedLargeFiles: outcomes.filter((outcome) => outcome.large).length,
    scanTruncated: files.summary?.truncated === true,
  };
}

/** What the model sees: `path:line: text` per match, then what was left out and how to narrow. */
export function formatSearchResult(result: SearchResult): string {
  const lines: string[] = [];
  if (result.matches.length === 0) {
    const mode = result.caseSensitive ? 'case-sensitive' : 'case-insensitive';
    lines.push(`No matches for /${result.pattern}/ (${mode}) in ${result.path} (${result.filesSearched} files searched).`);
  } else {
    for (const match of result.matches) lines.push(`${match.path}:${match.line}: ${match.text}`);
  }
  if (result.truncated) {
    lines.push(`[Showing the first ${result.matches.length} matches; at least ${result.moreMatches} more. Narrow the pattern, path or glob.]`);
  }
  if (result.skippedLargeFiles > 0) {
    lines.push(`[Skipped ${result.skippedLargeFiles} file${result.skippedLargeFiles === 1 ? '' : 's'} too large to search. Use shell (e.g. grep) for those.]`);
  }
  if (result.scanTruncated) lines.push('[The search stopped at its limit of files; search a subdirectory to cover the rest.]');
  return lines.join('\n');
}

function limit(matches: SearchMatch[], maxResults: number): { matches: SearchMatch[]; truncated: boolean; moreMatches: number } {
  if (matches.length <= maxResults) return { matches, truncated: false, moreMatches: 0 };
  return { matches: matches.slice(0, maxResults), truncated: true, moreMatches: matches.length - maxResults };
}

// Globs are tried against the path below the searched directory and the workspace path, so
// both `src/**/*.ts` with path 'packages/agent' and 'packages/agent/src/**/*.ts' work.
function selectFile(glob: GlobMatcher | undefined, start: string): (entry: WalkEntry) => boolean {
  const prefix = start === '' ? '' : `${start}/`;
  return (entry) => {
    if (entry.kind !== 'file') return false;
    if (glob === undefined) return true;
    return glob(entry.path) || (prefix !== '' && glob(entry.path.slice(prefix.length)));
  };
}

// Hands out the walk's selected files one at a time, numbered in walk order, to concurrent workers.
class OrderedFiles {
  summary: WalkSummary | undefined;
  private count = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly walk: AsyncGenerator<WalkEntry, WalkSummary, undefined>,
    private readonly select: (entry: WalkEntry) => boolean,
  ) {}

  next(): Promise<{ entry: WalkEntry; index: number } | undefined> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async pull(): Promise<{ entry: WalkEntry; index: number } | undefined> {
    for (;;) {
      const next = await this.walk.next();
      if (next.done === true) {
        this.summary ??= next.value;
        return undefined;
      }
      if (this.select(next.value)) return { entry: next.value, index: this.count++ };
    }
  }
}

// Searches one file; stops collecting at `maxMatches` (the caller needs to know only that more exist).
class FileSearcher {
  constructor(
    private readonly pattern: CompiledPattern,
    private readonly maxMatches: number,
    private readonly maxFileBytes: number,
    private readonly maxLineChars: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async search(absolutePath: string, path: string): Promise<FileOutcome> {
    const skipped = { matches: [], searched: false, large: false };
    let bytes: Buffer;
    try {
      // One open, fstat, read and close: the file syscalls dominate a search's time.
      const handle = await open(absolutePath, 'r');
      try {
        const info = await handle.stat();
        if (!info.isFile()) return skipped;
        if (info.size > this.maxFileBytes) return { ...skipped, large: true };
        bytes = Buffer.allocUnsafe(info.size);
        const { bytesRead } = await handle.read(bytes, 0, info.size, 0);
        bytes = bytes.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
      this.signal?.throwIfAborted();
    } catch (error) {
      this.signal?.throwIfAborted();
      // A file deleted or unreadable mid-search is not worth failing the whole search for.
      if (systemErrorCode(error) !== undefined) return skipped;
      throw error;
    }
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return skipped;
    const text = bytes.toString('utf8');
    const matches: SearchMatch[] = [];
    if (text === '' || !this.pattern.file.test(text)) return { matches, searched: true, large: false };
    let start = 0;
    // `start < text.length`: a final newline ends the last line, it does not open another.
    for (let line = 1; start < text.length && matches.length < this.maxMatches; line++) {
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline;
      let content = text.slice(start, end);
      if (content.endsWith('\r')) content = content.slice(0, -1);
      if (this.pattern.line.test(content)) matches.push({ path, line, text: this.clip(content) });
      if (newline === -1) break;
      start = newline + 1;
    }
    return { matches, searched: true, large: false };
  }

  private clip(line: string): string {
    const max = this.maxLineChars;
    if (line.length <= max) return line;
    const at = this.pattern.line.exec(line)?.index ?? 0;
    const from = Math.max(0, Math.min(at - Math.floor(max / 4), line.length - max));
    return `${from > 0 ? '…' : ''}${line.slice(from, from + max)}${from + max < line.length ? '…' : ''}`;
  }
}
