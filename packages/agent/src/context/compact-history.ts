import { isToolOutput, userMessage, type HistoryItem } from '../history/history-item.js';
import { estimateItemsTokens } from './estimate-tokens.js';

/** The instructions of the summarising request. */
export const SUMMARY_INSTRUCTIONS =
  'You compress a coding session so it can continue in a smaller context. Write a concise summary ' +
  '(at most 300 words) of the conversation transcript you are given: the user\'s goals and constraints, ' +
  'what was learned about the code (files, functions, facts), the edits made so far, commands run and ' +
  'their results, and what remains to do. Plain text, no preamble.';
/** Prefix of the message that replaces the summarised turns (also how a summary is recognised). */
export const SUMMARY_PREFIX = '[Summary of the earlier conversation, written when the context was compacted]';

/** Where the history is cut: `older` is summarised, `recent` is kept word for word. */
export interface CompactionSplit {
  older: HistoryItem[];
  recent: HistoryItem[];
  /** The user's latest request, repeated in the summary message when it falls in `older`. */
  currentRequest: string | undefined;
}

/**
 * Keeps the current turn (from the latest user message) verbatim when it fits in `keepTokens`,
 * else as many trailing items as fit. The cut never separates a tool output from its call.
 */
export function splitForCompaction(history: readonly HistoryItem[], keepTokens: number): CompactionSplit {
  let lastUser = -1;
  for (let index = history.length - 1; index >= 0; index -= 1) {
    const item = history[index];
    if (item?.type === 'message' && item.role === 'user' && !item.content.startsWith(SUMMARY_PREFIX)) { lastUser = index; break; }
  }
  let cut = lastUser >= 0 && estimateItemsTokens(history.slice(lastUser)) <= keepTokens ? lastUser : history.length;
  if (cut === history.length) {
    // The current turn alone is too big: keep the longest tail that fits.
    let tokens = 0;
    for (let index = history.length - 1; index >= 0; index -= 1) {
      const item = history[index];
      if (item === undefined) break;
      tokens += estimateItemsTokens([item]);
      if (tokens > keepTokens) break;
      cut = index;
    }
  }
  while (cut < history.length && isToolOutputAt(history, cut)) cut += 1;
  const current = lastUser >= 0 ? history[lastUser] : undefined;
  return {
    older: history.slice(0, cut),
    recent: history.slice(cut),
    currentRequest: lastUser >= 0 && lastUser < cut && current?.type === 'message' ? current.content : undefined,
  };
}

function isToolOutputAt(history: readonly HistoryItem[], index: number): boolean {
  const item = history[index];
  return item !== undefined && isToolOutput(item);
}

/**
 * The older items as a plain transcript for the summariser (plain text, so the summarising
 * request needs no tools and cannot start calling them). Clipped in the middle to `maxChars`.
 */
export function renderTranscript(items: readonly HistoryItem[], maxChars: number): string {
  const lines = items.map((item) => {
    switch (item.type) {
      case 'message': return `${item.role.toUpperCase()}: ${item.content}`;
      case 'function_call': return `TOOL CALL ${item.name}(${item.arguments})`;
      case 'custom_tool_call': return `TOOL CALL ${item.name}:\n${item.input}`;
      case 'function_call_output':
      case 'custom_tool_call_output': return `TOOL RESULT:\n${item.output}`;
    }
  });
  const text = lines.join('\n\n');
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)}\n\n[... ${text.length - 2 * half} characters of the transcript omitted ...]\n\n${text.slice(-half)}`;
}

/** The message that stands in for the summarised turns. */
export function summaryMessage(summary: string, currentRequest: string | undefined): HistoryItem {
  const request = currentRequest === undefined ? '' : `\n\nThe user's current request: ${currentRequest}`;
  return userMessage(`${SUMMARY_PREFIX}\n${summary.trim()}${request}`);
}
