import { parsePatch } from 'diff';

/** One line of a file's diff. */
export interface DiffLine {
  readonly type: 'add' | 'del' | 'ctx' | 'hunk';
  readonly text: string;
}

/** One file of a patch, as the diff view draws it. */
export interface FileDiff {
  readonly path: string;
  /** The new path of an `*** Update File` with `*** Move to`. */
  readonly moveTo: string | null;
  readonly op: 'add' | 'delete' | 'update';
  readonly lines: readonly DiffLine[];
  readonly added: number;
  readonly removed: number;
}

const FILE_HEADER = /^\*\*\* (Add|Delete|Update) File: (.+)$/;

/**
 * The files of a patch: Codex's apply_patch envelope (`*** Begin Patch`, `*** Update File: x`,
 * `@@ ...`, ` `/`+`/`-` lines) or a unified diff (parsed by the `diff` package). Lenient: a
 * patch still being written (streamed, or cut off) yields the files seen so far.
 */
export function fileDiffs(patch: string): FileDiff[] {
  if (!/^\*\*\* Begin Patch/m.test(patch) && /^(---|diff --git|@@)/m.test(patch)) return unifiedFileDiffs(patch);
  const files: { path: string; moveTo: string | null; op: FileDiff['op']; lines: DiffLine[] }[] = [];
  for (const line of patch.split('\n')) {
    const header = FILE_HEADER.exec(line);
    if (header !== null) {
      const op = header[1] === 'Add' ? 'add' : header[1] === 'Delete' ? 'delete' : 'update';
      files.push({ path: header[2]?.trim() ?? '', moveTo: null, op, lines: [] });
      continue;
    }
    const file = files.at(-1);
    if (file === undefined || line.startsWith('*** Begin Patch') || line.startsWith('*** End')) continue;
    if (line.startsWith('*** Move to: ')) { file.moveTo = line.slice('*** Move to: '.length).trim(); continue; }
    if (line.startsWith('@@')) file.lines.push({ type: 'hunk', text: line.slice(2).trim() });
    else if (line.startsWith('+')) file.lines.push({ type: 'add', text: line.slice(1) });
    else if (line.startsWith('-')) file.lines.push({ type: 'del', text: line.slice(1) });
    else if (line.startsWith(' ')) file.lines.push({ type: 'ctx', text: line.slice(1) });
    else if (line !== '' && file.op === 'add') file.lines.push({ type: 'add', text: line });
  }
  return files.map((file) => withCounts(file));
}

function unifiedFileDiffs(patch: string): FileDiff[] {
  let parsed: ReturnType<typeof parsePatch>;
  try {
    parsed = parsePatch(patch);
  } catch {
    return [];
  }
  return parsed.map((file) => {
    const oldName = stripPrefix(file.oldFileName);
    const newName = stripPrefix(file.newFileName);
    const op: FileDiff['op'] = oldName === '/dev/null' ? 'add' : newName === '/dev/null' ? 'delete' : 'update';
    const path = op === 'add' ? newName : oldName;
    const lines: DiffLine[] = [];
    for (const hunk of file.hunks) {
      lines.push({ type: 'hunk', text: `-${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines}` });
      for (const line of hunk.lines) {
        if (line.startsWith('+')) lines.push({ type: 'add', text: line.slice(1) });
        else if (line.startsWith('-')) lines.push({ type: 'del', text: line.slice(1) });
        else if (line.startsWith(' ')) lines.push({ type: 'ctx', text: line.slice(1) });
      }
    }
    return withCounts({ path, moveTo: op === 'update' && newName !== oldName ? newName : null, op, lines });
  });
}

function stripPrefix(name: string | undefined): string {
  if (name === undefined) return '';
  return name.replace(/^[ab]\//, '');
}

function withCounts(file: Omit<FileDiff, 'added' | 'removed'>): FileDiff {
  let added = 0;
  let removed = 0;
  for (const line of file.lines) {
    if (line.type === 'add') added++;
    else if (line.type === 'del') removed++;
  }
  return { ...file, added, removed };
}
