import { diffWordsWithSpace } from 'diff';
import type { ComponentChild } from 'preact';
import { fileDiffs, type DiffLine, type FileDiff } from '../patch/file-diffs.js';

/** Longest pair of changed lines that gets word-level highlights. */
export const MAX_WORD_DIFF_CHARS = 500;

/** A patch as per-file diffs, each file folded under its path and counts. */
export function DiffView({ patch }: { patch: string }) {
  const files = fileDiffs(patch);
  if (files.length === 0) return <pre class="diff-raw">{patch}</pre>;
  return <div class="diff" data-testid="diff">{files.map((file, index) => <FileDiffView key={index} file={file} />)}</div>;
}

function FileDiffView({ file }: { file: FileDiff }) {
  return (
    <details class="diff-file" open data-testid="diff-file">
      <summary>
        <span class={`diff-op diff-op-${file.op}`}>{file.op === 'add' ? 'A' : file.op === 'delete' ? 'D' : 'M'}</span>
        <span class="diff-path">{file.path}{file.moveTo === null ? '' : ` → ${file.moveTo}`}</span>
        <span class="diff-count-add">+{file.added}</span>
        <span class="diff-count-del">−{file.removed}</span>
      </summary>
      <div class="diff-lines" role="table" aria-label={`Changes to ${file.path}`}>{renderLines(file.lines)}</div>
    </details>
  );
}

/** Lines, with a removed run followed by an added run of the same length shown word by word. */
function renderLines(lines: readonly DiffLine[]): ComponentChild[] {
  const out: ComponentChild[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (line === undefined) break;
    if (line.type === 'del') {
      let dels = index;
      while (lines[dels]?.type === 'del') dels++;
      let adds = dels;
      while (lines[adds]?.type === 'add') adds++;
      const removed = lines.slice(index, dels);
      const added = lines.slice(dels, adds);
      if (removed.length === added.length) {
        removed.forEach((del, offset) => {
          const add = added[offset];
          if (add === undefined) return;
          const [left, right] = wordDiff(del.text, add.text);
          out.push(<Line key={`d${index + offset}`} type="del">{left}</Line>);
          out.push(<Line key={`a${index + offset}`} type="add">{right}</Line>);
        });
      } else {
        [...removed, ...added].forEach((other, offset) => { out.push(<Line key={`x${index + offset}`} type={other.type}>{other.text}</Line>); });
      }
      index = adds;
      continue;
    }
    out.push(<Line key={`l${index}`} type={line.type}>{line.type === 'hunk' ? `@@ ${line.text}` : line.text}</Line>);
    index++;
  }
  return out;
}

function Line({ type, children }: { type: DiffLine['type']; children: ComponentChild }) {
  const sign = type === 'add' ? '+' : type === 'del' ? '−' : type === 'hunk' ? '' : ' ';
  return <div class={`diff-line diff-${type}`} role="row"><span class="diff-sign" aria-hidden="true">{sign}</span><span class="diff-text">{children}</span></div>;
}

function wordDiff(before: string, after: string): [ComponentChild, ComponentChild] {
  if (before.length + after.length > MAX_WORD_DIFF_CHARS) return [before, after];
  const left: ComponentChild[] = [];
  const right: ComponentChild[] = [];
  diffWordsWithSpace(before, after).forEach((part, index) => {
    if (part.added) right.push(<mark key={index} class="diff-word-add">{part.value}</mark>);
    else if (part.removed) left.push(<mark key={index} class="diff-word-del">{part.value}</mark>);
    else { left.push(part.value); right.push(part.value); }
  });
  return [left, right];
}
