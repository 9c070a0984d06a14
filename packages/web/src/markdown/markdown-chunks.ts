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
  const chunks: string[] = [];
  let start = 0;
  let fence: string | null = null;
  let lineStart = 0;
  while (lineStart < text.length) {
    const newline = text.indexOf('\n', lineStart);
    if (newline === -1) break;
    const line = text.slice(lineStart, newline);
    const marker = FENCE.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    } else if (fence === null && line.trim() === '' && newline + 1 - start >= minChars) {
      chunks.push(text.slice(start, newline + 1));
      start = newline + 1;
    }
    lineStart = newline + 1;
  }
  if (start < text.length || chunks.length === 0) chunks.push(text.slice(start));
  return chunks;
}
