/**
 * A chunk of a streaming answer closes at the first blank line outside a code fence after this
 * many characters. Closed chunks never change again, so while tokens arrive only the last chunk
 * is re-parsed: the cost of a frame stays flat however long the answer grows.
 */
export const MARKDOWN_CHUNK_CHARS = 1_500;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Splits markdown into chunks at blank lines outside fenced code, each at least
 * MARKDOWN_CHUNK_CHARS long but the last. A boundary depends only on the text before it, so
 * appending text never moves an earlier boundary.
 */
export function markdownChunks(text: string, minChars = MARKDOWN_CHUNK_CHARS): string[] {
  return new MarkdownChunker(minChars).chunks(text);
}

/**
 * `markdownChunks` for a text that grows: it remembers how far it scanned, so a frame of a
 * streaming answer scans only the characters that arrived since the last one (any other text is
 * scanned from the start).
 */
export class MarkdownChunker {
  private text = '';
  private closed: string[] = [];
  private start = 0;
  private lineStart = 0;
  private fence: string | null = null;

  constructor(private readonly minChars = MARKDOWN_CHUNK_CHARS) {}

  chunks(text: string): string[] {
    if (!text.startsWith(this.text)) this.restart();
    this.text = text;
    let lineStart = this.lineStart;
    while (lineStart < text.length) {
      const newline = text.indexOf('\n', lineStart);
      if (newline === -1) break;
      const line = text.slice(lineStart, newline);
      const marker = FENCE.exec(line)?.[1];
      if (marker !== undefined) {
        if (this.fence === null) this.fence = marker;
        else if (marker[0] === this.fence[0] && marker.length >= this.fence.length && line.trim() === marker) this.fence = null;
      } else if (this.fence === null && line.trim() === '' && newline + 1 - this.start >= this.minChars) {
        this.closed.push(text.slice(this.start, newline + 1));
        this.start = newline + 1;
      }
      lineStart = newline + 1;
    }
    this.lineStart = lineStart;
    const out = this.closed.slice();
    if (this.start < text.length || out.length === 0) out.push(text.slice(this.start));
    return out;
  }

  private restart(): void {
    this.closed = [];
    this.start = 0;
    this.lineStart = 0;
    this.fence = null;
  }
}

/** True for a fenced code block whose closing fence has not arrived (marked draws it to the end of the text). */
export function isOpenFence(raw: string): boolean {
  const marker = FENCE.exec(raw)?.[1];
  if (marker === undefined) return false;
  const lines = raw.replace(/\n+$/, '').split('\n');
  if (lines.length < 2) return true;
  const closing = lines.at(-1)?.trim() ?? '';
  return !(closing.startsWith(marker[0] ?? '`') && /^(`{3,}|~{3,})$/.test(closing) && closing.length >= marker.length);
}
