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
 * `read`); the before text of an update is found by undoing the patch's hunks on it: each
 * hunk's new lines are sought (as apply_patch seeks, tolerating whitespace) from where the
 * previous hunk ended and replaced by its old lines.
 */
export function patchFileTexts(patch: string, changes: readonly AppliedChange[], read: (path: string) => string | undefined): PatchFileTexts[] {
  const files = patchFiles(patch);
  return changes.map((change) => {
    const file = files.find((candidate) => normalizePath(candidate.moveTo ?? candidate.path) === change.path);
    const beforePath = file === undefined ? change.path : normalizePath(file.path);
    switch (change.kind) {
      case 'A':
        return { path: change.path, kind: change.kind, beforePath, before: '', after: read(change.path) };
      case 'D':
        return { path: change.path, kind: change.kind, beforePath, before: undefined, after: '' };
      case 'M': {
        const after = read(change.path);
        const before = after === undefined || file?.op !== 'update' ? undefined : unapplyHunks(after, file.hunks);
        return { path: change.path, kind: change.kind, beforePath, before, after };
      }
    }
  });
}

/** One file section of an apply_patch envelope, as far as undoing it needs. */
interface PatchFile {
  readonly op: 'add' | 'delete' | 'update';
  readonly path: string;
  moveTo: string | undefined;
  readonly hunks: PatchHunk[];
}

/** A hunk's body: context, removed and added lines, without their prefix. */
interface PatchHunk {
  readonly lines: Array<{ readonly kind: ' ' | '-' | '+'; readonly text: string; readonly bare?: true }>;
  endOfFile: boolean;
}

const FILE_HEADER = /^\*\*\* (Add|Delete|Update) File: (.+)$/;

/**
 * The file sections of Codex's apply_patch envelope (the agent's own parser lives in
 * @spark/agent, which a UI does not import; this reads only what undoing a hunk needs).
 */
export function patchFiles(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  let hunk: PatchHunk | undefined;
  for (const raw of patch.split(/\r?\n/)) {
    const header = FILE_HEADER.exec(raw.trim());
    if (header !== null) {
      files.push({ op: header[1] === 'Add' ? 'add' : header[1] === 'Delete' ? 'delete' : 'update', path: header[2]?.trim() ?? '', moveTo: undefined, hunks: [] });
      hunk = undefined;
      continue;
    }
    const file = files.at(-1);
    if (file === undefined || file.op !== 'update') continue;
    if (raw.startsWith('*** Move to: ')) { file.moveTo = raw.slice('*** Move to: '.length).trim(); continue; }
    if (raw.trim() === '*** End of File') { if (hunk !== undefined) hunk.endOfFile = true; continue; }
    if (raw.startsWith('***')) continue;
    if (raw.startsWith('@@')) { hunk = undefined; continue; }
    const kind = raw[0];
    if (kind !== ' ' && kind !== '-' && kind !== '+' && raw !== '') continue;
    if (hunk === undefined) { hunk = { lines: [], endOfFile: false }; file.hunks.push(hunk); }
    // An empty line inside a hunk is an empty context line (models drop the space).
    hunk.lines.push(raw === '' ? { kind: ' ', text: '', bare: true } : { kind: kind as ' ' | '-' | '+', text: raw.slice(1) });
  }
  // Bare empty lines ending a hunk separate it from the next section; they are not context.
  for (const file of files) {
    for (const each of file.hunks) while (each.lines.at(-1)?.bare === true) each.lines.pop();
  }
  return files;
}

/** `after` with an update's hunks undone, or undefined when a hunk's new lines are not found in order. */
export function unapplyHunks(after: string, hunks: readonly PatchHunk[]): string | undefined {
  const lines = after.split('\n');
  let cursor = 0;
  for (const hunk of hunks) {
    const added = hunk.lines.filter((line) => line.kind !== '-').map((line) => line.text);
    const removed = hunk.lines.filter((line) => line.kind !== '+').map((line) => line.text);
    const at = seek(lines, added, cursor, hunk.endOfFile);
    if (at === undefined) return undefined;
    lines.splice(at, added.length, ...removed);
    cursor = at + removed.length;
  }
  return lines.join('\n');
}

/** Where `pattern` starts in `lines` from `start`: exact, then ignoring trailing, then surrounding whitespace (as apply_patch seeks). */
function seek(lines: readonly string[], pattern: readonly string[], start: number, endOfFile: boolean): number | undefined {
  if (pattern.length === 0) return endOfFile ? lines.length : start;
  for (const normalize of [(line: string) => line, (line: string) => line.trimEnd(), (line: string) => line.trim()]) {
    const wanted = pattern.map(normalize);
    const found: number[] = [];
    for (let i = start; i + pattern.length <= lines.length; i++) {
      if (wanted.every((line, j) => normalize(lines[i + j] ?? '') === line)) found.push(i);
    }
    if (found.length > 0) return endOfFile ? found.at(-1) : found[0];
  }
  return undefined;
}

/** A patch path as the agent reports it: no leading `./`, forward slashes. */
function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}
