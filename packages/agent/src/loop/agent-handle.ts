import type { AgentOp, ThreadSnapshot } from '@spark/protocol';
import type { HistoryItem } from '../history/history-item.js';
import type { UndoEntry } from '../session/session-store.js';
import type { AgentEvent } from './agent-events.js';

/**
 * An agent thread as a queue pair: ops in (`submit`), events out (`events`), and a snapshot for a
 * client that attaches late. The in-process `Agent` implements it; a host connection (the app
 * issue) will too, so a UI written against this runs against either.
 */
export interface AgentHandle {
  readonly threadId: string;
  /**
   * Validates and applies one op. Resolves once the op is taken (for `user_message`: once the
   * turn started; for `undo` and `compact`: once done). Rejects with an `AgentError` whose code
   * says why: `invalid_op` (malformed), `busy` (a turn is running), `unknown_approval`.
   */
  submit(op: AgentOp): Promise<void>;
  /** Every event from this call on, in order; each subscriber gets all of them. Leave the loop to unsubscribe. */
  events(): AsyncIterable<AgentEvent>;
  /** The thread now; events with `seq > snapshot.last_seq` follow it (take both in the same tick). */
  snapshot(): ThreadSnapshot;
  /** The turn running now, if any. */
  readonly runningTurnId: string | null;
  readonly queuedMessages: readonly string[];
  /** Prompt tokens in use as of the last response (exact) or estimated. */
  readonly contextTokens: number;
  readonly contextWindow: number;
  readonly items: readonly HistoryItem[];
  /** Patches `undo` can restore, oldest first. */
  readonly undoable: readonly UndoEntry[];
}

/**
 * Starts a turn with `text` and yields the thread's events until it is idle again (the turn and
 * any queued ones it led to are over); the `thread.idle` event itself is not yielded. Aborting
 * `signal` or leaving the loop early interrupts the turn.
 */
export async function* runTurns(handle: AgentHandle, text: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<AgentEvent> {
  const iterator = handle.events()[Symbol.asyncIterator]();
  const interrupt = (): void => { handle.submit({ type: 'interrupt' }).catch(() => undefined); };
  const signal = options.signal;
  let started = false;
  let idle = false;
  try {
    await handle.submit({ type: 'user_message', text });
    started = true;
    if (signal?.aborted === true) interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      if (next.value.type === 'thread.idle') { idle = true; return; }
      yield next.value;
    }
  } finally {
    signal?.removeEventListener('abort', interrupt);
    if (started && !idle) interrupt();
    await iterator.return?.();
  }
}

/**
 * Submits an op and returns the events it caused (read up to the seq the thread had when the op
 * was done). For ops that answer at once, like `undo` and `compact`, while no turn runs.
 */
export async function submitAndCollect(handle: AgentHandle, op: AgentOp): Promise<AgentEvent[]> {
  const iterator = handle.events()[Symbol.asyncIterator]();
  try {
    const from = handle.snapshot().last_seq;
    await handle.submit(op);
    const until = handle.snapshot().last_seq;
    const events: AgentEvent[] = [];
    while (until > from) {
      const next = await iterator.next();
      if (next.done === true) break;
      events.push(next.value);
      if (next.value.seq >= until) break;
    }
    return events;
  } finally {
    await iterator.return?.();
  }
}
