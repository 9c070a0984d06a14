import { itemTextLength, type HistoryItem } from '../history/history-item.js';

/**
 * Characters per token assumed before the server has counted: code tokenizes at ~3-4 chars per
 * token on BPE vocabularies, so 3 errs on the side of compacting a little early.
 */
export const CHARS_PER_TOKEN = 3;
/** Per-item overhead of chat templates (role markers, call syntax), in tokens. */
export const TOKENS_PER_ITEM = 8;

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimateItemsTokens(items: readonly HistoryItem[]): number {
  let tokens = 0;
  for (const item of items) tokens += Math.ceil(itemTextLength(item) / CHARS_PER_TOKEN) + TOKENS_PER_ITEM;
  return tokens;
}
