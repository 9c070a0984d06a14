import {
  HEREDOC_OPEN, invalidPatchError, isAnchorLine, PATCH_MARKERS, truncateQuoted, type AddFileOperation, type DeleteFileOperation, type Hunk, type HunkLine,
} from './parse-patch.js';
import type { PatchError } from './patch-error.js';

/** One piece of a streaming patch, reported as soon as no later text can change it. */
export type PatchStreamPart =
  /** An `*** Update File` header (and its `*** Move to`), before any of its hunks. */
  | { readonly type: 'update'; readonly path: string; readonly moveTo?: string; readonly line: number }
  /** A complete `*** Add File` (its last `+` line was followed by another line). */
  | { readonly type: 'add'; readonly operation: AddFileOperation }
  /** A complete `*** Delete File` line. */
  | { readonly type: 'delete'; readonly operation: DeleteFileOperation }
  /** A complete hunk of the update last announced; `index` is 0-based within that update. */
  | { readonly type: 'hunk'; readonly path: string; readonly moveTo?: string; readonly index: number; readonly hunk: Hunk }
  /** The patch cannot parse; nothing more is reported. */
  | { readonly type: 'error'; readonly error: PatchError }
  /** `*** End Patch` arrived; nothing more is reported. */
  | { readonly type: 'end' };

type State = 'preamble' | 'operations' | 'add' | 'update' | 'hunks' | 'done' | 'failed';

interface OpenUpdate {
  readonly path: string;
  readonly moveTo?: string;
  readonly line: number;
  hunks: number;
}

interface OpenHunk {
  readonly anchors: string[];
  readonly lines: HunkLine[];
  line: number;
  /** At least one body line arrived (else only `@@` lines so far). */
  inBody: boolean;
}

/**
 * `parsePatch` fed in pieces: text deltas of an apply_patch input go in as they arrive, and each
 * file operation or update hunk comes out as soon as the line after it shows it is complete
 * (`end()` flushes the last line). For a patch `parsePatch` accepts, the parts rebuild exactly
 * the operations it returns, whatever the split. Inside a hunk, ` *** End Patch` (with a
 * leading space) may be context or the end: it is held until a later line or the end decides.
 */
export class PatchStreamParser {
  private state: State = 'preamble';
  private partial = '';
  private lineNumber = 0;
  private heredoc: string | undefined;
  private add: { path: string; line: number; contents: string[] } | undefined;
  private update: OpenUpdate | undefined;
  private hunk: OpenHunk | undefined;
  /** The open hunk began with `@@` lines (only the first hunk of an update may omit them). */
  private anchorSeen = false;
  /** A ` *** End Patch` line met in a hunk body and the blank lines after it, until it is known to be context or the end. */
  private maybeEnd: string[] | undefined;
  private out: PatchStreamPart[] = [];

  /** Feeds a delta; returns the parts it completed. */
  push(delta: string): PatchStreamPart[] {
    this.partial += delta;
    let newline = this.partial.indexOf('\n');
    while (newline !== -1) {
      const raw = this.partial.slice(0, newline);
      this.partial = this.partial.slice(newline + 1);
      this.line(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      newline = this.partial.indexOf('\n');
    }
    return this.take();
  }

  /** The input ended: flushes the last line and reports an error if the patch is unfinished. */
  end(): PatchStreamPart[] {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    if (this.maybeEnd !== undefined) {
      this.maybeEnd = undefined;
      this.closeHunk(false);
      this.finish();
    }
    if (this.state === 'done' && this.heredoc !== undefined) {
      this.fail(invalidPatchError(`The heredoc opened before the patch was not closed with '${this.heredoc}'`, Math.max(this.lineNumber, 1)));
    } else if (this.state !== 'done' && this.state !== 'failed') {
      this.fail(invalidPatchError(`The last line of the patch must be '${PATCH_MARKERS.end}'`, Math.max(this.lineNumber, 1)));
    }
    return this.take();
  }

  /** Whether `*** End Patch` arrived. */
  get ended(): boolean {
    return this.state === 'done';
  }

  private take(): PatchStreamPart[] {
    const parts = this.out;
    this.out = [];
    return parts;
  }

  private line(text: string): void {
    this.lineNumber++;
    const number = this.lineNumber;
    const trimmed = text.trim();
    switch (this.state) {
      case 'failed':
        return;
      case 'done':
        if (trimmed !== '' && trimmed !== this.heredoc) this.fail(invalidPatchError(`The last line of the patch must be '${PATCH_MARKERS.end}'`, number));
        else if (trimmed !== '') this.heredoc = undefined;
        return;
      case 'preamble': {
        if (trimmed === '') return;
        const heredoc = this.heredoc === undefined ? HEREDOC_OPEN.exec(trimmed) : null;
        if (heredoc !== null) {
          this.heredoc = heredoc[2];
          return;
        }
        if (trimmed !== PATCH_MARKERS.begin) {
          this.fail(invalidPatchError(`The first line of the patch must be '${PATCH_MARKERS.begin}'`, number));
          return;
        }
        this.state = 'operations';
        return;
      }
      case 'add':
        if (text.startsWith('+')) {
          this.add?.contents.push(text.slice(1) + '\n');
          return;
        }
        this.closeAdd();
        this.operationLine(text, number);
        return;
      case 'update':
        if (trimmed.startsWith(PATCH_MARKERS.moveTo) && this.update !== undefined) {
          const moveTo = this.requirePath(trimmed.slice(PATCH_MARKERS.moveTo.length), number);
          if (moveTo === undefined) return;
          this.update = { path: this.update.path, moveTo, line: this.update.line, hunks: 0 };
          this.announceUpdate();
          this.state = 'hunks';
          return;
        }
        this.announceUpdate();
        this.state = 'hunks';
        this.hunkLine(text, number);
        return;
      case 'hunks':
        this.hunkLine(text, number);
        return;
      case 'operations':
        this.operationLine(text, number);
        return;
      default: {
        const never: never = this.state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  private operationLine(text: string, number: number): void {
    const header = text.trim();
    if (header === '') return;
    if (header === PATCH_MARKERS.end) {
      this.finish();
      return;
    }
    if (header.startsWith(PATCH_MARKERS.addFile)) {
      const path = this.requirePath(header.slice(PATCH_MARKERS.addFile.length), number);
      if (path === undefined) return;
      this.add = { path, line: number, contents: [] };
      this.state = 'add';
    } else if (header.startsWith(PATCH_MARKERS.deleteFile)) {
      const path = this.requirePath(header.slice(PATCH_MARKERS.deleteFile.length), number);
      if (path === undefined) return;
      this.out.push({ type: 'delete', operation: { type: 'delete', path, line: number } });
    } else if (header.startsWith(PATCH_MARKERS.updateFile)) {
      const path = this.requirePath(header.slice(PATCH_MARKERS.updateFile.length), number);
      if (path === undefined) return;
      this.update = { path, line: number, hunks: 0 };
      this.state = 'update';
    } else {
      this.fail(
        invalidPatchError(
          `'${truncateQuoted(header)}' is not a valid file header; expected '*** Add File: <path>', '*** Delete File: <path>' or '*** Update File: <path>'`,
          number,
        ),
      );
    }
  }

  // Mirrors parsePatch's parseHunks one line at a time.
  private hunkLine(text: string, number: number): void {
    const update = this.update;
    if (update === undefined) return;
    const open = this.hunk;
    if (open?.inBody === true) {
      if (this.maybeEnd !== undefined) {
        if (text.trim() === '') {
          this.maybeEnd.push(text);
          return;
        }
        // Something follows: the held lines were context.
        for (const held of this.maybeEnd) open.lines.push({ kind: ' ', text: held.slice(1) });
        this.maybeEnd = undefined;
      }
      if (text.trim() === PATCH_MARKERS.end && text.startsWith(' ')) {
        this.maybeEnd = [text];
        return;
      }
      if (text.trim() === PATCH_MARKERS.end) {
        this.closeHunk(false);
        this.finish();
        return;
      }
      if (text.trim() === PATCH_MARKERS.endOfFile) {
        this.closeHunk(true);
        return;
      }
      const kind = text[0];
      if (text === '') open.lines.push({ kind: ' ', text: '' });
      else if (kind === ' ' || kind === '-' || kind === '+') open.lines.push({ kind, text: text.slice(1) });
      else {
        this.closeHunk(false);
        this.hunkLine(text, number);
      }
      return;
    }
    if (open === undefined) {
      if (text.trim() === '') return;
      if (text.trim() === PATCH_MARKERS.end || text.startsWith('***')) {
        if (update.hunks === 0) {
          this.fail(invalidPatchError(`Update file hunk for path '${update.path}' is empty`, update.line));
          return;
        }
        this.update = undefined;
        this.state = 'operations';
        this.operationLine(text, number);
        return;
      }
    }
    const hunk = open ?? { anchors: [], lines: [], line: number, inBody: false };
    this.hunk = hunk;
    if (isAnchorLine(text)) {
      const anchor = text.trimEnd();
      if (anchor !== PATCH_MARKERS.anchor) hunk.anchors.push(anchor.slice(PATCH_MARKERS.anchor.length + 1));
      hunk.inBody = false;
      this.anchorSeen = true;
      return;
    }
    // Codex lets the first hunk omit its `@@` line; later hunks need one to start.
    if (!this.anchorSeen && update.hunks > 0) {
      this.fail(invalidPatchError(`Expected '@@' to start a new hunk, got '${truncateQuoted(text)}'`, number));
      return;
    }
    if (text.trim() === PATCH_MARKERS.endOfFile || (text.trim() === PATCH_MARKERS.end && !text.startsWith(' '))) {
      this.fail(invalidPatchError('Update hunk does not contain any lines', hunk.line));
      return;
    }
    const kind = text[0];
    if (text === '') hunk.lines.push({ kind: ' ', text: '' });
    else if (kind === ' ' || kind === '-' || kind === '+') hunk.lines.push({ kind, text: text.slice(1) });
    else {
      this.fail(invalidPatchError(`Unexpected line in update hunk: '${truncateQuoted(text)}'. Every hunk line must start with ' ', '+' or '-'`, number));
      return;
    }
    hunk.inBody = true;
  }

  private closeHunk(isEndOfFile: boolean): void {
    const update = this.update;
    const hunk = this.hunk;
    this.hunk = undefined;
    this.anchorSeen = false;
    if (update === undefined || hunk === undefined) return;
    const part: Hunk = { anchors: hunk.anchors, lines: hunk.lines, isEndOfFile, line: hunk.line };
    this.out.push(
      update.moveTo === undefined
        ? { type: 'hunk', path: update.path, index: update.hunks, hunk: part }
        : { type: 'hunk', path: update.path, moveTo: update.moveTo, index: update.hunks, hunk: part },
    );
    update.hunks++;
  }

  private closeAdd(): void {
    const add = this.add;
    this.add = undefined;
    this.state = 'operations';
    if (add !== undefined) this.out.push({ type: 'add', operation: { type: 'add', path: add.path, contents: add.contents.join(''), line: add.line } });
  }

  private announceUpdate(): void {
    const update = this.update;
    if (update === undefined) return;
    this.out.push(
      update.moveTo === undefined
        ? { type: 'update', path: update.path, line: update.line }
        : { type: 'update', path: update.path, moveTo: update.moveTo, line: update.line },
    );
  }

  // `*** End Patch` closes whatever is open, as the end of parsePatch's body does.
  private finish(): void {
    if (this.state === 'add') this.closeAdd();
    if (this.state === 'update') this.announceUpdate();
    if (this.state === 'update' || this.state === 'hunks') {
      const update = this.update;
      if (this.hunk !== undefined) {
        if (!this.hunk.inBody) {
          this.fail(invalidPatchError('Update hunk does not contain any lines', this.hunk.line));
          return;
        }
        this.closeHunk(false);
      }
      if (update !== undefined && update.hunks === 0) {
        this.fail(invalidPatchError(`Update file hunk for path '${update.path}' is empty`, update.line));
        return;
      }
      this.update = undefined;
    }
    this.state = 'done';
    this.out.push({ type: 'end' });
  }

  private requirePath(raw: string, number: number): string | undefined {
    const path = raw.trim();
    if (path !== '') return path;
    this.fail(invalidPatchError('Missing file path after the file header', number));
    return undefined;
  }

  private fail(error: PatchError): void {
    this.state = 'failed';
    this.out.push({ type: 'error', error });
  }
}
