import type { HistoryItem } from '../history/history-item.js';
import type { Session, UndoEntry } from '../session/session-store.js';

/** The warm WebSocket chain: the server holds `items` history items (and their KV) under `responseId`. */
export interface Chain {
  responseId: string;
  epoch: number;
  items: number;
}

/**
 * What a thread remembers, and the one place it changes: the history (each item persisted to
 * the session as it is added), the patches undo can restore, the turn count, and the warm chain
 * the server holds for that history.
 */
export class Conversation {
  history: HistoryItem[];
  readonly undo: UndoEntry[];
  turns: number;
  chain: Chain | undefined;
  /** A fork's first chain (another thread's response) and the items sent before this history while it is the chain. */
  fork: { chain: Chain; items: readonly HistoryItem[] } | undefined;

  constructor(readonly session: Session | undefined, resume: { history: HistoryItem[]; undo: UndoEntry[]; turns: number } | undefined) {
    this.history = [...(resume?.history ?? [])];
    this.undo = [...(resume?.undo ?? [])];
    this.turns = resume?.turns ?? 0;
  }

  /**
   * Adds `item` now and queues its session write without waiting for it: the session keeps its
   * writes in order, and a failed one surfaces at the turn's `session.flush()`. For the turn's
   * opening records, so the first request goes out without waiting on the disk.
   */
  add(item: HistoryItem): void {
    this.history.push(item);
    this.session?.append({ type: 'item', item }).catch(() => undefined);
  }

  async push(item: HistoryItem): Promise<void> {
    this.history.push(item);
    await this.session?.append({ type: 'item', item });
  }

  /** A rewritten history (compaction): the server's chain no longer matches it. */
  async replace(items: HistoryItem[]): Promise<void> {
    this.history = items;
    this.chain = undefined;
    await this.session?.append({ type: 'history', reason: 'compaction', items, turns: this.turns });
  }
}
