import { PatchError } from './patch-error.js';

/** One body line of a hunk: context (`' '`), removed (`'-'`) or added (`'+'`), without its prefix. */
export interface HunkLine {
  readonly kind: ' ' | '-' | '+';
  readonly text: string;
}

/** One `@@` section of an update. */
export interface Hunk {
  /** Texts of the `@@ <anchor>` lines, outermost first; each is found before the hunk body. */
  readonly anchors: readonly string[];
  /** The body in patch order; the context and `-` lines are what the file must contain. */
  readonly lines: readonly HunkLine[];
  /** `*** End of File` followed the hunk: its lines must end the file. */
  readonly isEndOfFile: boolean;
  /** 1-based line of the hunk's first line in the patch text. */
  readonly line: number;
}

/** `*** Add File`: the full contents of a new file. */
export interface AddFileOperation {
  readonly type: 'add';
  readonly path: string;
  readonly contents: string;
  readonly line: number;
}

/** `*** Delete File`. */
export interface DeleteFileOperation {
  readonly type: 'delete';
  readonly path: string;
  readonly line: number;
}

/** `*** Update File`, optionally renamed by `*** Move to`. */
export interface UpdateFileOperation {
  readonly type: 'update';
  readonly path: string;
  readonly moveTo?: string;
  readonly hunks: readonly Hunk[];
  readonly line: number;
}

/** One file section of a patch. */
export type PatchOperation = AddFileOperation | DeleteFileOperation | UpdateFileOperation;

/** The envelope's markers, shared with `PatchStreamParser` so both read one grammar. */
export const PATCH_MARKERS = {
  begin: '*** Begin Patch',
  end: '*** End Patch',
  addFile: '*** Add File: ',
  deleteFile: '*** Delete File: ',
  updateFile: '*** Update File: ',
  moveTo: '*** Move to: ',
  endOfFile: '*** End of File',
  anchor: '@@',
} as const;
const BEGIN_PATCH = PATCH_MARKERS.begin;
const END_PATCH = PATCH_MARKERS.end;
const ADD_FILE = PATCH_MARKERS.addFile;
const DELETE_FILE = PATCH_MARKERS.deleteFile;
const UPDATE_FILE = PATCH_MARKERS.updateFile;
const MOVE_TO = PATCH_MARKERS.moveTo;
const END_OF_FILE = PATCH_MARKERS.endOfFile;
const ANCHOR = PATCH_MARKERS.anchor;

/** `<<EOF`, `<<'EOF'`, `<<"EOF"`, optionally after `apply_patch ` (the shell form models copy); group 2 is the terminator. */
export const HEREDOC_OPEN = /^(?:apply_patch\s+)?<<\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1$/;

interface Line {
  readonly text: string;
  /** 1-based line number in the text given to `parsePatch`. */
  readonly number: number;
}

/**
 * Parses Codex's apply_patch envelope (`*** Begin Patch` ... `*** End Patch`) into operations.
 * Tolerates what Codex tolerates: surrounding blank lines, whitespace around markers, a heredoc
 * wrapper, blank lines between hunks. Extension: consecutive `@@` lines are nested anchors.
 */
export function parsePatch(patch: string): PatchOperation[] {
  let lines: Line[] = patch.split(/\r?\n/).map((text, i) => ({ text, number: i + 1 }));
  lines = trimBlank(lines);
  const first = lines[0];
  const last = lines.at(-1);
  if (first !== undefined && last !== undefined && lines.length >= 2) {
    const heredoc = HEREDOC_OPEN.exec(first.text.trim());
    if (heredoc !== null && last.text.trim() === heredoc[2]) lines = trimBlank(lines.slice(1, -1));
  }
  const begin = lines[0];
  const end = lines.at(-1);
  if (begin === undefined || begin.text.trim() !== BEGIN_PATCH) {
    throw invalidPatchError(`The first line of the patch must be '${BEGIN_PATCH}'`, begin?.number ?? 1);
  }
  if (end === undefined || lines.length < 2 || end.text.trim() !== END_PATCH) {
    throw invalidPatchError(`The last line of the patch must be '${END_PATCH}'`, end?.number ?? begin.number);
  }

  const body = lines.slice(1, -1);
  const operations: PatchOperation[] = [];
  let i = 0;
  while (i < body.length) {
    const line = body[i] as Line;
    const header = line.text.trim();
    if (header === '') {
      i++;
    } else if (header.startsWith(ADD_FILE)) {
      const path = requirePath(header.slice(ADD_FILE.length), line);
      i++;
      const contents: string[] = [];
      while (i < body.length && (body[i] as Line).text.startsWith('+')) {
        contents.push((body[i] as Line).text.slice(1) + '\n');
        i++;
      }
      operations.push({ type: 'add', path, contents: contents.join(''), line: line.number });
    } else if (header.startsWith(DELETE_FILE)) {
      operations.push({ type: 'delete', path: requirePath(header.slice(DELETE_FILE.length), line), line: line.number });
      i++;
    } else if (header.startsWith(UPDATE_FILE)) {
      const path = requirePath(header.slice(UPDATE_FILE.length), line);
      i++;
      let moveTo: string | undefined;
      const next = body[i];
      if (next !== undefined && next.text.trim().startsWith(MOVE_TO)) {
        moveTo = requirePath(next.text.trim().slice(MOVE_TO.length), next);
        i++;
      }
      const parsed = parseHunks(body, i);
      i = parsed.next;
      if (parsed.hunks.length === 0) {
        throw invalidPatchError(`Update file hunk for path '${path}' is empty`, line.number);
      }
      operations.push(
        moveTo === undefined
          ? { type: 'update', path, hunks: parsed.hunks, line: line.number }
          : { type: 'update', path, moveTo, hunks: parsed.hunks, line: line.number },
      );
    } else {
      throw invalidPatchError(
        `'${truncateQuoted(header)}' is not a valid file header; expected '*** Add File: <path>', '*** Delete File: <path>' or '*** Update File: <path>'`,
        line.number,
      );
    }
  }
  return operations;
}

function parseHunks(body: readonly Line[], start: number): { hunks: Hunk[]; next: number } {
  const hunks: Hunk[] = [];
  let i = start;
  while (i < body.length) {
    const line = body[i] as Line;
    if (line.text.trim() === '') {
      i++;
      continue;
    }
    if (line.text.startsWith('***')) break;

    const hunkStart = i;
    const anchors: string[] = [];
    while (i < body.length && isAnchorLine((body[i] as Line).text)) {
      const text = (body[i] as Line).text.trimEnd();
      if (text !== ANCHOR) anchors.push(text.slice(ANCHOR.length + 1));
      i++;
    }
    // Codex lets the first hunk omit its `@@` line; later hunks need one to start.
    if (i === hunkStart && hunks.length > 0) {
      throw invalidPatchError(`Expected '@@' to start a new hunk, got '${truncateQuoted(line.text)}'`, line.number);
    }

    const hunkLines: HunkLine[] = [];
    let isEndOfFile = false;
    while (i < body.length) {
      const text = (body[i] as Line).text;
      if (text.trim() === END_OF_FILE) {
        isEndOfFile = true;
        i++;
        break;
      }
      const prefix = text[0];
      if (text === '') {
        // A bare empty line is an empty context line (editors strip the lone space).
        hunkLines.push({ kind: ' ', text: '' });
      } else if (prefix === ' ' || prefix === '-' || prefix === '+') {
        hunkLines.push({ kind: prefix, text: text.slice(1) });
      } else {
        if (hunkLines.length === 0) {
          throw invalidPatchError(
            `Unexpected line in update hunk: '${truncateQuoted(text)}'. Every hunk line must start with ' ', '+' or '-'`,
            (body[i] as Line).number,
          );
        }
        break;
      }
      i++;
    }
    if (hunkLines.length === 0) {
      throw invalidPatchError('Update hunk does not contain any lines', line.number);
    }
    hunks.push({ anchors, lines: hunkLines, isEndOfFile, line: line.number });
  }
  return { hunks, next: i };
}

/** The lines a hunk body expects in the file: its context and `-` lines. */
export function hunkOldLines(lines: readonly HunkLine[]): string[] {
  return lines.filter((l) => l.kind !== '+').map((l) => l.text);
}

/** The lines a hunk body leaves in the file: its context and `+` lines. */
export function hunkNewLines(lines: readonly HunkLine[]): string[] {
  return lines.filter((l) => l.kind !== '-').map((l) => l.text);
}

/** Whether a line is an `@@` hunk header (bare or with an anchor text). */
export function isAnchorLine(text: string): boolean {
  return text.trimEnd() === ANCHOR || text.startsWith(ANCHOR + ' ');
}

function requirePath(raw: string, line: Line): string {
  const path = raw.trim();
  if (path === '') throw invalidPatchError('Missing file path after the file header', line.number);
  return path;
}

function trimBlank(lines: Line[]): Line[] {
  let start = 0;
  let end = lines.length;
  while (start < end && (lines[start] as Line).text.trim() === '') start++;
  while (end > start && (lines[end - 1] as Line).text.trim() === '') end--;
  return lines.slice(start, end);
}

const MAX_QUOTED_CHARS = 80;

/** A quoted line cut to a readable length for an error message. */
export function truncateQuoted(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}...` : text;
}

/** The parse error both parsers throw or report. */
export function invalidPatchError(message: string, line: number): PatchError {
  return new PatchError('invalid_patch', `Invalid patch (line ${line}): ${message}`, { line });
}
