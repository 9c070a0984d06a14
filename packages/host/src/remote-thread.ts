import { AgentError, type AgentHandle, type HistoryItem, type UndoEntry } from '@spark/agent';
import type { AgentEvent, AgentOp, ThreadSnapshot, UndoablePatch } from '@spark/protocol';
import { HostRequestError, type HostClient, type HostPush } from './wire/host-client.js';
import type { AttachResult } from './wire/host-frames.js';

/** Events one `events()` reader may leave unread before it is dropped (as the agent's own limit). */
export const DEFAULT_REMOTE_MAX_UNREAD_EVENTS = 200_000;

/**
 * A thread of an agent host as an `AgentHandle`: the terminal UI (or any Node client) drives a
 * thread that lives in `spark serve` exactly as it drives an in-process agent. Ops go out as
 * `thread.op`; the pushed `event` frames of this thread come back in `seq` order (a frame at or
 * below the seq already applied is a duplicate and dropped); the snapshot is the attach answer
 * with every event since applied, so the readonly fields follow the thread.
 */
export class RemoteThread implements AgentHandle {
  readonly threadId: string;
  private state: ThreadSnapshot;
  private undo: UndoEntry[] = [];
  private readonly readers = new Set<EventReader>();
  private unsubscribe: (() => void) | undefined;
  private closedReason: string | undefined;
  /**
   * The thread as this client attached to it: the history of the host's snapshot (taken at the
   * last turn boundary) and the events after it, the running turn so far. A UI draws the history,
   * then replays these events, then follows `events()` (subscribed in the same tick: no gap).
   */
  readonly attached: { readonly history: readonly HistoryItem[]; readonly events: readonly AgentEvent[] };

  private constructor(private readonly client: HostClient, result: AttachResult, early: readonly AgentEvent[]) {
    this.threadId = result.thread.thread_id;
    this.state = { ...result.snapshot, history: [...result.snapshot.history], pending_approvals: [...result.snapshot.pending_approvals], queued: [...result.snapshot.queued] };
    // A host that predates the snapshot's undo list: only patches applied from now on are known.
    this.undo = (result.snapshot.undoable ?? []).map(toUndoEntry);
    const history = [...result.snapshot.history];
    this.attached = { history, events: [...result.events, ...early].filter((event) => this.apply(event)) };
  }

  /** Attaches to `threadId` on the host (resuming it from disk when closed). */
  static attach(client: HostClient, threadId: string, options: { signal?: AbortSignal } = {}): Promise<RemoteThread> {
    return RemoteThread.open(client, () => client.request('thread.attach', { thread_id: threadId }, options));
  }

  /** Starts a new thread on the host (on `model`, default the host's) and attaches to it. */
  static start(client: HostClient, options: { model?: string; signal?: AbortSignal } = {}): Promise<RemoteThread> {
    return RemoteThread.open(client, () => client.request('thread.start', options.model === undefined ? {} : { model: options.model }, options));
  }

  /** Forks `threadId` (up to the end of `turn`, default all) and attaches to the copy. */
  static fork(client: HostClient, threadId: string, turn?: number, options: { signal?: AbortSignal } = {}): Promise<RemoteThread> {
    return RemoteThread.open(client, () => client.request('thread.fork', { thread_id: threadId, ...(turn === undefined ? {} : { turn }) }, options));
  }

  private static async open(client: HostClient, ask: () => Promise<AttachResult>): Promise<RemoteThread> {
    // Listen before asking: the host may push the thread's first live events right after its answer.
    const early: HostPush[] = [];
    const stopEarly = client.subscribe((push) => { early.push(push); });
    let result: AttachResult;
    try {
      result = await ask();
    } finally {
      stopEarly();
    }
    const id = result.thread.thread_id;
    const events = early.flatMap((push) => (push.type === 'event' && push.event.thread_id === id ? [push.event] : []));
    const thread = new RemoteThread(client, result, events);
    thread.unsubscribe = client.subscribe((push) => { thread.receive(push); });
    return thread;
  }

  get runningTurnId(): string | null { return this.state.running_turn_id; }
  get queuedMessages(): readonly string[] { return this.state.queued; }
  get contextTokens(): number { return this.state.context_tokens; }
  get contextWindow(): number { return this.state.context_window; }
  get items(): readonly HistoryItem[] { return this.state.history; }
  get model(): string { return this.state.model; }
  /** Patches the host can undo, oldest first, from the snapshot's `undoable` and the patch events since (the files' earlier contents stay on the host). */
  get undoable(): readonly UndoEntry[] { return this.undo; }

  async submit(op: AgentOp): Promise<void> {
    if (this.closedReason !== undefined) throw new AgentError('connection_failed', this.closedReason);
    try {
      await this.client.submit(this.threadId, op);
    } catch (error) {
      throw error instanceof HostRequestError ? new AgentError(error.code, error.message, { cause: error }) : AgentError.from(error);
    }
  }

  events(): AsyncIterable<AgentEvent> {
    const reader = new EventReader(() => { this.readers.delete(reader); });
    if (this.closedReason !== undefined) reader.fail(new AgentError('connection_failed', this.closedReason));
    else this.readers.add(reader);
    return reader;
  }

  snapshot(): ThreadSnapshot {
    return { ...this.state, history: [...this.state.history], pending_approvals: [...this.state.pending_approvals], queued: [...this.state.queued], undoable: this.undo.map(toUndoablePatch) };
  }

  /** Stops following the thread on the host (it keeps running there); readers end. */
  async detach(): Promise<void> {
    this.stop('Detached from the thread.');
    await this.client.request('thread.detach', { thread_id: this.threadId }).catch(() => undefined);
  }

  private stop(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.unsubscribe?.();
    for (const reader of this.readers) reader.end();
    this.readers.clear();
  }

  private receive(push: HostPush): void {
    if (push.type === 'closed') {
      for (const reader of this.readers) reader.fail(new AgentError('connection_failed', `The agent host closed the connection (${push.code}).`));
      this.readers.clear();
      this.stop(`The agent host closed the connection (${push.code}${push.reason === '' ? '' : `: ${push.reason}`}).`);
      return;
    }
    if (push.type !== 'event' || push.event.thread_id !== this.threadId) return;
    if (!this.apply(push.event)) return;
    for (const reader of this.readers) {
      if (reader.unread >= DEFAULT_REMOTE_MAX_UNREAD_EVENTS) {
        this.readers.delete(reader);
        reader.fail(new AgentError('events_overflow', `A reader left ${DEFAULT_REMOTE_MAX_UNREAD_EVENTS} events unread and was dropped.`));
      } else {
        reader.push(push.event);
      }
    }
  }

  /** Folds one event into the snapshot; false for one already applied (seq not above the last). */
  private apply(event: AgentEvent): boolean {
    const state = this.state;
    if (event.seq <= state.last_seq) return false;
    state.last_seq = event.seq;
    switch (event.type) {
      case 'turn.started':
        state.turns = Math.max(state.turns, event.turn);
        state.running_turn_id = event.turn_id;
        state.history.push({ type: 'message', role: 'user', content: event.input });
        break;
      case 'message':
        if (event.text !== '') state.history.push({ type: 'message', role: 'assistant', content: event.text });
        break;
      case 'tool_call':
        state.history.push(event.name === 'apply_patch'
          ? { type: 'custom_tool_call', call_id: event.call_id, name: event.name, input: event.input }
          : { type: 'function_call', call_id: event.call_id, name: event.name, arguments: event.input });
        break;
      case 'tool_result':
        state.history.push(event.name === 'apply_patch'
          ? { type: 'custom_tool_call_output', call_id: event.call_id, output: event.output }
          : { type: 'function_call_output', call_id: event.call_id, output: event.output });
        break;
      case 'steer.applied':
        state.history.push({ type: 'message', role: 'user', content: event.text });
        break;
      case 'history.replaced':
        state.history = [...event.items];
        break;
      case 'queue.changed':
        state.queued = [...event.queued];
        break;
      case 'approval.requested':
        state.pending_approvals.push({
          request_id: event.request_id, turn_id: event.turn_id, seq: event.seq, call_id: event.call_id, kind: event.kind,
          summary: event.summary, reason: event.reason, request: event.request,
        });
        break;
      case 'approval.decided':
        state.pending_approvals = state.pending_approvals.filter((pending) => pending.request_id !== event.request_id);
        break;
      case 'model.changed':
        state.model = event.model;
        break;
      case 'response.completed':
        state.context_tokens = event.stats.input_tokens + event.stats.output_tokens;
        break;
      case 'compaction':
        state.context_tokens = event.tokens_after;
        break;
      case 'patch.applied':
        this.undo.push(toUndoEntry({ call_id: event.call_id, paths: event.changes.map((change) => change.path) }));
        break;
      case 'patch.undone':
        this.undo = this.undo.filter((entry) => entry.call_id !== event.call_id);
        break;
      case 'thread.idle':
        state.running_turn_id = null;
        break;
      default:
        break;
    }
    return true;
  }
}

/** A snapshot's undo entry as the agent's: the earlier contents (`before`) stay on the host. */
function toUndoEntry(patch: UndoablePatch): UndoEntry {
  return { call_id: patch.call_id, files: patch.paths.map((path) => ({ path, before: null })) };
}

function toUndoablePatch(entry: UndoEntry): UndoablePatch {
  return { call_id: entry.call_id, paths: entry.files.map((file) => file.path) };
}

/** One `events()` reader: pushed events wait here until pulled; leaving the loop unsubscribes. */
class EventReader implements AsyncIterable<AgentEvent> {
  private readonly buffer: AgentEvent[] = [];
  private waiting: { resolve: (result: IteratorResult<AgentEvent>) => void; reject: (error: Error) => void } | undefined;
  private done = false;
  private error: Error | undefined;

  constructor(private readonly onLeave: () => void) {}

  get unread(): number {
    return this.buffer.length;
  }

  push(event: AgentEvent): void {
    if (this.done) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) waiting.resolve({ value: event, done: false });
    else this.buffer.push(event);
  }

  end(): void {
    this.done = true;
    this.wake();
  }

  fail(error: Error): void {
    this.error = error;
    this.done = true;
    this.wake();
  }

  private wake(): void {
    if (this.buffer.length > 0) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting === undefined) return;
    if (this.error !== undefined) waiting.reject(this.error);
    else waiting.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<AgentEvent> {
    return {
      next: () => {
        const value = this.buffer.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.error !== undefined) return Promise.reject(this.error);
        if (this.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
      },
      return: () => {
        this.done = true;
        this.buffer.length = 0;
        this.wake();
        this.onLeave();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
