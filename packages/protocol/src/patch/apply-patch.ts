import type { ExcerptLimits } from './best-candidate-excerpt.js';
import { locateHunk, type HunkPlacement } from './locate-hunk.js';
import { parsePatch, type PatchOperation, type UpdateFileOperation } from './parse-patch.js';
import { PatchError } from './patch-error.js';
import type { PatchFileSystem } from './patch-file-system.js';

/** Each touched path's content before the patch (undefined: it did not exist), for `undoPatch`. */
export type Snapshot = ReadonlyMap<string, string | undefined>;

/** One line of the success summary: A(dded), M(odified, including moved), D(eleted). */
export interface FileChange {
  readonly kind: 'A' | 'M' | 'D';
  readonly path: string;
}

/** What an applied patch did. */
export interface ApplyPatchResult {
  /** Codex's tool output: `Success. Updated the following files:\nA path\n...`. */
  readonly summary: string;
  readonly changes: readonly FileChange[];
  readonly snapshot: Snapshot;
}

/** Options for `applyPatch`. */
export interface ApplyPatchOptions {
  /** Limits on the file text quoted in a failed hunk's error. */
  excerpt?: ExcerptLimits;
}

/**
 * Applies an apply_patch envelope (text or parsed) atomically: every file's new text is
 * computed in memory first and nothing is written unless all operations succeed. Throws
 * `PatchError` with the file, the hunk and the real text around the best candidate.
 */
export async function applyPatch(
  patch: string | readonly PatchOperation[],
  fs: PatchFileSystem,
  options: ApplyPatchOptions = {},
): Promise<ApplyPatchResult> {
  const operations = typeof patch === 'string' ? parsePatch(patch) : patch;
  if (operations.length === 0) throw new PatchError('invalid_patch', 'The patch contains no file operations');
  const staged = new StagedFiles(fs);
  const changes: FileChange[] = [];
  for (const op of operations) {
    const path = normalizePatchPath(op.path);
    switch (op.type) {
      case 'add': {
        if ((await staged.read(path)) !== undefined) {
          throw new PatchError('file_exists', `Cannot add '${path}': the file already exists. Use '*** Update File' to change it`, { path, line: op.line });
        }
        staged.set(path, op.contents);
        changes.push({ kind: 'A', path });
        break;
      }
      case 'delete': {
        if ((await staged.read(path)) === undefined) {
          throw new PatchError('file_not_found', `Cannot delete '${path}': the file does not exist`, { path, line: op.line });
        }
        staged.set(path, undefined);
        changes.push({ kind: 'D', path });
        break;
      }
      case 'update': {
        const text = await staged.read(path);
        if (text === undefined) {
          throw new PatchError('file_not_found', `Cannot update '${path}': the file does not exist`, { path, line: op.line });
        }
        const updated = applyHunks(path, text, op, options);
        const target = op.moveTo === undefined ? path : normalizePatchPath(op.moveTo);
        if (target !== path) {
          if ((await staged.read(target)) !== undefined) {
            throw new PatchError('file_exists', `Cannot move '${path}' to '${target}': the destination already exists`, { path, line: op.line });
          }
          staged.set(path, undefined);
        }
        staged.set(target, updated);
        changes.push({ kind: 'M', path: target });
        break;
      }
      default: {
        const never: never = op;
        throw new PatchError('invalid_patch', `Unknown operation ${JSON.stringify(never)}`);
      }
    }
  }
  await staged.commit();
  const summary = `Success. Updated the following files:\n${changes.map((c) => `${c.kind} ${c.path}\n`).join('')}`;
  return { summary, changes, snapshot: staged.snapshot };
}

/** Reads through pending changes; records each path's original content on first touch. */
class StagedFiles {
  readonly snapshot = new Map<string, string | undefined>();
  private readonly pending = new Map<string, string | undefined>();

  constructor(private readonly fs: PatchFileSystem) {}

  async read(path: string): Promise<string | undefined> {
    if (this.pending.has(path)) return this.pending.get(path);
    if (this.snapshot.has(path)) return this.snapshot.get(path);
    const text = await readFile(this.fs, path);
    this.snapshot.set(path, text);
    return text;
  }

  set(path: string, text: string | undefined): void {
    this.pending.set(path, text);
  }

  // Writes only after every operation succeeded; a failed write rolls back what was written.
  async commit(): Promise<void> {
    const written: string[] = [];
    try {
      for (const [path, text] of this.pending) {
        const before = this.snapshot.get(path);
        if (text === before) continue;
        if (text === undefined) await this.fs.remove(path);
        else await this.fs.write(path, text);
        written.push(path);
      }
    } catch (error) {
      for (const path of written.reverse()) {
        const before = this.snapshot.get(path);
        try {
          if (before === undefined) await this.fs.remove(path);
          else await this.fs.write(path, before);
        } catch {
          // Best effort: the original error below is what the caller needs.
        }
      }
      if (PatchError.is(error)) throw error;
      throw new PatchError('io_error', 'Writing the patched files failed; the changes were rolled back', { cause: error });
    }
  }
}

async function readFile(fs: PatchFileSystem, path: string): Promise<string | undefined> {
  try {
    return await fs.read(path);
  } catch (error) {
    if (PatchError.is(error)) throw error;
    throw new PatchError('io_error', `Cannot read '${path}'`, { path, cause: error });
  }
}

interface SplitText {
  lines: string[];
  eol: '\n' | '\r\n';
  finalNewline: boolean;
}

// Lines without their terminators; the file's own line ending and final newline are kept aside.
function splitText(text: string): SplitText {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = text.endsWith('\n');
  const lines = text === '' ? [] : text.split(/\r?\n/);
  if (finalNewline) lines.pop();
  return { lines, eol, finalNewline };
}

function joinText({ lines, eol, finalNewline }: SplitText): string {
  if (lines.length === 0) return '';
  return lines.join(eol) + (finalNewline ? eol : '');
}

/** A file's text with an update's hunks applied (in memory); throws the first hunk's `PatchError`. */
export function applyHunks(path: string, text: string, op: Pick<UpdateFileOperation, 'hunks'>, options: ApplyPatchOptions = {}): string {
  const file = splitText(text);
  // An empty file gets the conventional final newline once lines are added to it.
  if (text === '') file.finalNewline = true;
  const { lines } = file;
  const placements: HunkPlacement[] = [];
  let cursor = 0;
  op.hunks.forEach((hunk, index) => {
    const label = `'${path}', hunk ${index + 1} of ${op.hunks.length} (patch line ${hunk.line})`;
    const located = locateHunk(lines, hunk, cursor, { path, hunk: index + 1, label }, options.excerpt);
    if (!located.ok) throw located.error;
    placements.push(located.placement);
    cursor = located.placement.next;
  });
  for (const p of placements.reverse()) lines.splice(p.start, p.deleteCount, ...p.lines);
  return joinText(file);
}

/** A file's text as lines without terminators (what `locateHunk` searches). */
export function fileLines(text: string): string[] {
  return splitText(text).lines;
}

/** Lexically normalizes a patch path (`./a//b/../c` -> `a/c`) so one file has one key. */
export function normalizePatchPath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && out.length > 0 && out.at(-1) !== '..') out.pop();
    else out.push(segment);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined === '' ? '.' : joined;
}
