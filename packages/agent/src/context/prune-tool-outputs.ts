import { isToolOutput, type HistoryItem } from '../history/history-item.js';

/** Tool outputs this recent are never pruned: the model is likely still working from them. */
export const DEFAULT_KEEP_RECENT_OUTPUTS = 3;
/** Outputs shorter than this are kept: pruning them saves little and loses facts. */
export const PRUNE_MIN_CHARS = 400;

/**
 * The cheapest compaction step: old tool outputs (file dumps, command logs) are replaced by a
 * one-line stub. Calls stay, so the model still knows what it did and can redo a read.
 */
export function pruneToolOutputs(history: readonly HistoryItem[], keepRecent = DEFAULT_KEEP_RECENT_OUTPUTS): { history: HistoryItem[]; prunedChars: number } {
  const outputIndexes = history.flatMap((item, index) => (isToolOutput(item) ? [index] : []));
  const prunable = new Set(outputIndexes.slice(0, Math.max(0, outputIndexes.length - keepRecent)));
  let prunedChars = 0;
  const pruned = history.map((item, index) => {
    if (!prunable.has(index) || !isToolOutput(item) || item.output.length < PRUNE_MIN_CHARS) return item;
    prunedChars += item.output.length;
    return { ...item, output: prunedStub(item.output.length) };
  });
  return { history: pruned, prunedChars };
}

export function prunedStub(chars: number): string {
  return `[output pruned to save context: ${chars} characters; call the tool again if you need it]`;
}
