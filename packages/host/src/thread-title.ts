import { THREAD_TITLE_CHARS } from './host-limits.js';

/** A thread's title from its first user message: whitespace folded, cut to `THREAD_TITLE_CHARS`. */
export function threadTitle(text: string): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  return folded.length <= THREAD_TITLE_CHARS ? folded : `${folded.slice(0, THREAD_TITLE_CHARS - 1).trimEnd()}…`;
}
