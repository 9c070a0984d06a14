import type { HistoryItem } from '../history/history-item.js';
import { estimateItemsTokens, estimateTextTokens } from './estimate-tokens.js';

/** Tokens kept free for the model's answer, at most: a reply longer than this is rare for edits. */
export const DEFAULT_OUTPUT_RESERVE_TOKENS = 4096;
/** Compact once the prompt would fill this share of what is left after the reserve. */
export const DEFAULT_COMPACT_AT = 0.8;
/** What compaction aims for, as a share of the same space, so it does not trigger again at once. */
export const DEFAULT_COMPACT_TO = 0.5;

export interface ContextBudgetOptions {
  /** The model's real context window in tokens (from the server's model metadata). */
  contextWindow: number;
  outputReserveTokens?: number;
  compactAt?: number;
  compactTo?: number;
}

/**
 * Token accounting for one conversation. Exact where the server has counted (the last
 * response's input + output tokens cover the history up to its end), estimated from characters
 * only for the items added since, and fully estimated after the history was rewritten.
 */
export class ContextBudget {
  private window = 0;
  private limits = { prompt: 0, compactAt: 0, compactTo: 0 };
  private measured: { items: number; tokens: number } | undefined;
  /** Server-counted tokens per estimated token, learned from the last count (1 until then). */
  private calibration = 1;

  constructor(private readonly options: ContextBudgetOptions) {
    this.resize(options.contextWindow);
  }

  get contextWindow(): number {
    return this.window;
  }

  /** Tokens the prompt may use: the window minus the answer reserve. */
  get promptLimit(): number {
    return this.limits.prompt;
  }

  get compactThreshold(): number {
    return this.limits.compactAt;
  }

  get compactTarget(): number {
    return this.limits.compactTo;
  }

  /**
   * Another model's window (the `set_model` op). Earlier counts came from another tokenizer, so
   * they are dropped; the next turn compacts first if the history no longer fits.
   */
  resize(contextWindow: number): void {
    if (!Number.isInteger(contextWindow) || contextWindow < 512) {
      throw new RangeError(`contextWindow must be an integer >= 512, got ${contextWindow}`);
    }
    const reserve = Math.min(this.options.outputReserveTokens ?? DEFAULT_OUTPUT_RESERVE_TOKENS, Math.floor(contextWindow / 4));
    const prompt = contextWindow - reserve;
    this.window = contextWindow;
    this.limits = {
      prompt,
      compactAt: Math.floor(prompt * (this.options.compactAt ?? DEFAULT_COMPACT_AT)),
      compactTo: Math.floor(prompt * (this.options.compactTo ?? DEFAULT_COMPACT_TO)),
    };
    this.measured = undefined;
    this.calibration = 1;
  }

  /**
   * The server counted `tokens` for the prompt plus output that `history` makes up. The ratio to
   * our own estimate calibrates later estimates, so numbers before and after a rewrite compare.
   */
  recordUsage(fixedText: string, history: readonly HistoryItem[], tokens: number): void {
    this.measured = { items: history.length, tokens };
    const estimated = estimateTextTokens(fixedText) + estimateItemsTokens(history);
    if (estimated > 0 && tokens > 0) this.calibration = Math.min(2, Math.max(0.25, tokens / estimated));
  }

  /** The history was rewritten (pruned, summarised, forked): earlier counts no longer apply. */
  forgetUsage(): void {
    this.measured = undefined;
  }

  /** Estimated prompt tokens for `fixedText` (instructions + tool definitions) plus `history`. */
  estimate(fixedText: string, history: readonly HistoryItem[]): number {
    const measured = this.measured;
    if (measured !== undefined && measured.items <= history.length) {
      return measured.tokens + Math.ceil(estimateItemsTokens(history.slice(measured.items)) * this.calibration);
    }
    return Math.ceil((estimateTextTokens(fixedText) + estimateItemsTokens(history)) * this.calibration);
  }

  /** How many tokens of context are in use, for status displays. */
  get lastMeasuredTokens(): number | undefined {
    return this.measured?.tokens;
  }
}
