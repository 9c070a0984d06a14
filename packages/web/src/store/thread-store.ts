import type { AgentEvent, ThreadSnapshot } from '@spark/protocol';
import { applyBackgroundEvent, backgroundRows, type BackgroundRow } from './background-rows.js';
import { approvalEntry, callEntry, historyEntries } from './history-entries.js';
import { RATE_BUCKET_MS, RateMeter } from './rate-meter.js';
import { MAX_LIVE_OUTPUT_CHARS, type AssistantEntry, type ToolResult, type TranscriptEntry } from './transcript-entry.js';

/** The numbers of the status bar. */
export interface ThreadStats {
  readonly model: string;
  /** How the agent reached the server in the last response; null before one completed. */
  readonly transport: 'websocket' | 'http' | null;
  readonly ttftMs: number | null;
  readonly tokensPerSecond: number | null;
  readonly outputTokens: number | null;
  readonly contextTokens: number;
  /** `contextTokens` is the agent's estimate (a loaded snapshot, a compaction), not yet the server's count of a response. */
  readonly contextEstimated: boolean;
  readonly contextWindow: number;
  /** Live tok/s, one value per RATE_BUCKET_MS, while a response streams; empty otherwise. */
  readonly liveRate: readonly number[];
}

/** What the app draws of one thread. */
export interface ThreadView {
  readonly threadId: string | null;
  readonly entries: readonly TranscriptEntry[];
  readonly queued: readonly string[];
  /** A turn runs (Enter steers; Esc interrupts). */
  readonly running: boolean;
  /** A response streams right now. */
  readonly streaming: boolean;
  /** What the agent does, in a word or three ('' when idle or writing the answer). */
  readonly activity: string;
  /** A patch stands that `undo` would restore. */
  readonly undoable: boolean;
  readonly stats: ThreadStats;
  /** The thread's background agents (dual mode), oldest first. */
  readonly background: readonly BackgroundRow[];
  /** Seq of the last event applied (the snapshot's `last_seq` before any). */
  readonly lastSeq: number;
}

/** What `thread.attach` (and start, fork) answer: a snapshot and the events after it. */
export interface AttachPayload {
  readonly snapshot: ThreadSnapshot;
  readonly events: readonly AgentEvent[];
}

export interface ThreadStoreOptions {
  /** Runs `flush` later, at most once per frame (default: requestAnimationFrame, or a microtask without it). */
  schedule?: (flush: () => void) => void;
  /** Milliseconds, monotonic (default: performance.now). */
  now?: () => number;
}

/**
 * Least time between two redraws while a response streams (20 a second; the first characters
 * of an answer are drawn at once). At 1000 tok/s each redraw adds about 50 tokens, more than
 * anyone reads per glance; at 30 ms the page's main thread was busy 32% of a core against 23%
 * here (app bench, 20,000 tokens at 1000 tok/s, goal <= 25%).
 */
export const STREAM_REDRAW_MS = 50;

const EMPTY_STATS: ThreadStats = {
  model: '', transport: null, ttftMs: null, tokensPerSecond: null, outputTokens: null, contextTokens: 0, contextEstimated: false, contextWindow: 0, liveRate: [],
};

/**
 * One thread's state in the app: loads an attach result (snapshot, then its events) and applies
 * live events in `seq` order, ignoring any it already has (seq <= last applied) and those of other
 * threads. Listeners hear of changes at most once per scheduled flush (an animation frame), so a
 * 1000 tok/s stream costs one render per frame, not one per token.
 */
export class ThreadStore {
  private threadId: string | null = null;
  private entries: TranscriptEntry[] = [];
  private queued: readonly string[] = [];
  private running = false;
  private streaming = false;
  private activity = '';
  private stats: Omit<ThreadStats, 'liveRate'> = EMPTY_STATS;
  private lastSeq = 0;
  /** Index of the assistant entry that text deltas extend, per response. */
  private openAnswer: { responseId: string; index: number } | null = null;
  /** Index of the answer of the last `message` event, until its response completes. */
  private lastAnswer: number | null = null;
  /** Partial answers whose response ended `incomplete`, until the turn's end says why. */
  private cutAnswers: number[] = [];
  private readonly calls = new Map<string, number>();
  private readonly approvals = new Map<string, number>();
  private patchesStanding: string[] = [];
  private background: readonly BackgroundRow[] = [];
  private readonly rate = new RateMeter();
  private keys = 0;
  private cached: ThreadView | null = null;
  private statsView: ThreadStats | null = null;
  private statsOf: Omit<ThreadStats, 'liveRate'> | null = null;
  private statsBucket = -1;
  private scheduled = false;
  private flushedAt = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<() => void>();
  private readonly schedule: (flush: () => void) => void;
  private readonly now: () => number;

  constructor(options: ThreadStoreOptions = {}) {
    this.schedule = options.schedule ?? defaultSchedule;
    this.now = options.now ?? (() => performance.now());
  }

  /** The current view; the same object until something changes. */
  get view(): ThreadView {
    this.cached ??= {
      threadId: this.threadId,
      entries: [...this.entries],
      queued: this.queued,
      running: this.running,
      streaming: this.streaming,
      activity: this.activity,
      undoable: this.patchesStanding.length > 0,
      stats: this.liveStats(),
      background: this.background,
      lastSeq: this.lastSeq,
    };
    return this.cached;
  }

  /**
   * The stats with the live rate: a new object only when the numbers changed or, while
   * streaming, once per rate bucket (RATE_BUCKET_MS), so the status bar and its sparkline
   * redraw a few times a second, not every frame.
   */
  private liveStats(): ThreadStats {
    const bucket = this.streaming ? Math.floor(this.now() / RATE_BUCKET_MS) : -1;
    if (this.statsView === null || this.statsOf !== this.stats || this.statsBucket !== bucket) {
      this.statsView = { ...this.stats, liveRate: this.streaming ? this.rate.series(this.now()) : [] };
      this.statsOf = this.stats;
      this.statsBucket = bucket;
    }
    return this.statsView;
  }

  /** Calls `listener` after changes (batched per flush) until the returned function is called. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Forgets everything: no thread shown. */
  clear(): void {
    this.reset(null);
    this.changed();
  }

  /** Shows a thread from scratch: its snapshot, then the events that came with it. */
  load(payload: AttachPayload): void {
    const { snapshot } = payload;
    this.reset(snapshot.thread_id);
    this.entries = historyEntries(snapshot.history, () => this.key());
    this.entries.forEach((entry, index) => {
      if (entry.kind === 'tool' || entry.kind === 'patch') this.calls.set(entry.callId, index);
      // A host older than the snapshot's undo list: a patch with an output in history is taken as standing.
      if (snapshot.undoable === undefined && entry.kind === 'patch' && entry.result !== null) this.patchesStanding.push(entry.callId);
    });
    if (snapshot.undoable !== undefined) this.patchesStanding = snapshot.undoable.map((patch) => patch.call_id);
    for (const approval of snapshot.pending_approvals) {
      this.approvals.set(approval.request_id, this.entries.length);
      this.entries.push(approvalEntry(this.key(), approval));
    }
    this.queued = snapshot.queued;
    this.running = snapshot.running_turn_id !== null;
    this.activity = this.running ? 'working' : '';
    this.stats = { ...EMPTY_STATS, model: snapshot.model, contextTokens: snapshot.context_tokens, contextEstimated: true, contextWindow: snapshot.context_window };
    this.lastSeq = snapshot.last_seq;
    this.background = backgroundRows(snapshot.background, this.now());
    for (const event of payload.events) this.apply(event);
    this.changed();
  }

  /** Applies one event of the shown thread; returns false when it was not applied (another thread, or already seen). */
  apply(event: AgentEvent): boolean {
    if (event.thread_id !== this.threadId || event.seq <= this.lastSeq) return false;
    this.lastSeq = event.seq;
    const answers = this.openAnswer;
    this.applyBody(event);
    this.changed();
    // The first characters of an answer are drawn at once (a microtask), not at the next frame.
    if (event.type === 'text.delta' && this.openAnswer !== answers) queueMicrotask(() => { if (this.scheduled) this.flush(); });
    return true;
  }

  /** A note from the app itself (a request the host refused, a lost connection). */
  note(level: 'info' | 'warning' | 'error', text: string): void {
    this.entries.push({ kind: 'notice', key: this.key(), level, text });
    this.changed();
  }

  /** Runs pending listeners now instead of at the next frame (tests, and the first paint after Enter). */
  flush(): void {
    this.scheduled = false;
    this.flushedAt = this.now();
    for (const listener of [...this.listeners]) listener();
  }

  private applyBody(event: AgentEvent): void {
    switch (event.type) {
      case 'turn.started':
        this.running = true;
        this.activity = 'thinking';
        this.entries.push({ kind: 'user', key: this.key(), text: event.input });
        return;
      case 'response.started':
        this.streaming = true;
        this.rate.reset();
        return;
      case 'text.delta': {
        this.activity = '';
        this.streaming = true;
        this.rate.add(this.now());
        const open = this.openAnswer;
        const entry = open?.responseId === event.response_id ? this.entries[open.index] : undefined;
        if (open !== null && entry?.kind === 'assistant') {
          this.entries[open.index] = { ...entry, text: entry.text + event.delta };
        } else {
          this.openAnswer = { responseId: event.response_id, index: this.entries.length };
          this.entries.push({ kind: 'assistant', key: this.key(), responseId: event.response_id, text: event.delta, streaming: true, partial: false, stop: null });
        }
        return;
      }
      case 'tool_input.delta':
        this.activity = 'writing a tool call';
        this.rate.add(this.now());
        return;
      case 'message': {
        const open = this.openAnswer;
        const entry = open === null ? undefined : this.entries[open.index];
        this.openAnswer = null;
        const stop = event.partial ? 'stopped' : null;
        if (open !== null && entry?.kind === 'assistant') {
          const text = event.text === '' ? entry.text : event.text;
          this.lastAnswer = open.index;
          this.entries[open.index] = { ...entry, text, streaming: false, partial: event.partial, stop };
        } else if (event.text !== '') {
          this.lastAnswer = this.entries.length;
          this.entries.push({ kind: 'assistant', key: this.key(), responseId: null, text: event.text, streaming: false, partial: event.partial, stop });
        }
        return;
      }
      case 'tool_call':
        this.closeAnswer();
        this.activity = `running ${event.name}`;
        this.calls.set(event.call_id, this.entries.length);
        this.entries.push(callEntry(this.key(), event.call_id, event.name, event.input));
        return;
      case 'tool_output.delta': {
        const index = this.calls.get(event.call_id);
        const entry = index === undefined ? undefined : this.entries[index];
        if (index !== undefined && entry?.kind === 'tool') {
          const live = entry.live + event.delta;
          this.entries[index] = { ...entry, live: live.length > MAX_LIVE_OUTPUT_CHARS ? live.slice(-MAX_LIVE_OUTPUT_CHARS) : live };
        }
        return;
      }
      case 'tool_result':
        this.activity = 'thinking';
        this.updateCall(event.call_id, {
          ok: event.ok, output: event.output, exitCode: event.exit_code ?? null, durationMs: event.duration_ms,
        });
        return;
      // The per-hunk checks of a streaming patch; the web shows the call's result, not each check.
      case 'patch.hunk':
        return;
      case 'patch.applied': {
        this.patchesStanding.push(event.call_id);
        const index = this.calls.get(event.call_id);
        const entry = index === undefined ? undefined : this.entries[index];
        if (index !== undefined && entry?.kind === 'patch') this.entries[index] = { ...entry, applied: event.changes };
        return;
      }
      case 'patch.undone': {
        this.patchesStanding = this.patchesStanding.filter((id) => id !== event.call_id);
        const index = this.calls.get(event.call_id);
        const entry = index === undefined ? undefined : this.entries[index];
        if (index !== undefined && entry?.kind === 'patch') this.entries[index] = { ...entry, undone: event.restored };
        else this.notice('info', `Undid a patch: restored ${event.restored.join(', ')}`);
        return;
      }
      case 'approval.requested':
        this.closeAnswer();
        this.activity = 'waiting for approval';
        this.approvals.set(event.request_id, this.entries.length);
        this.entries.push(approvalEntry(this.key(), event));
        return;
      case 'approval.decided': {
        const index = this.approvals.get(event.request_id);
        const entry = index === undefined ? undefined : this.entries[index];
        if (index !== undefined && entry?.kind === 'approval') this.entries[index] = { ...entry, decision: event.decision };
        if (this.activity === 'waiting for approval') this.activity = 'working';
        return;
      }
      case 'steer.sent':
        this.entries.push({ kind: 'steer', key: this.key(), text: event.text, state: 'sent' });
        return;
      case 'steer.applied': {
        const index = this.entries.findLastIndex((entry) => entry.kind === 'steer' && entry.state === 'sent' && entry.text === event.text);
        const entry = this.entries[index];
        if (entry?.kind === 'steer') this.entries[index] = { ...entry, state: 'applied' };
        else this.entries.push({ kind: 'steer', key: this.key(), text: event.text, state: 'applied' });
        return;
      }
      case 'queue.changed':
        this.queued = event.queued;
        return;
      case 'file.reread':
        this.notice('info', `${event.path} ${event.deleted ? 'was deleted' : 'changed'} on disk; the model sees the new version.`);
        return;
      case 'compaction':
        this.stats = { ...this.stats, contextTokens: event.tokens_after, contextEstimated: true };
        this.notice('info', `Context compacted (${event.kind}): ~${event.tokens_before} → ~${event.tokens_after} tokens.`);
        return;
      case 'response.completed': {
        this.closeAnswer();
        this.streaming = false;
        // Incomplete and not steered: a user stop or the output-token limit; the turn's end tells which.
        const answer = this.lastAnswer === null ? undefined : this.entries[this.lastAnswer];
        if (event.status === 'incomplete' && this.lastAnswer !== null && answer?.kind === 'assistant' && answer.partial) {
          this.entries[this.lastAnswer] = { ...answer, stop: 'pending' };
          this.cutAnswers.push(this.lastAnswer);
        }
        this.lastAnswer = null;
        this.stats = {
          ...this.stats,
          transport: event.stats.transport,
          ttftMs: event.stats.ttft_ms,
          tokensPerSecond: event.stats.tokens_per_second,
          outputTokens: event.stats.output_tokens,
          contextTokens: event.stats.input_tokens + event.stats.output_tokens,
          contextEstimated: false,
        };
        return;
      }
      case 'model.changed':
        this.stats = { ...this.stats, model: event.model };
        this.notice('info', `Model: ${event.model}`);
        return;
      case 'warning':
        this.notice('warning', event.message);
        return;
      case 'error':
        this.notice('error', `${event.message} (${event.code})`);
        return;
      case 'turn.completed':
        this.closeAnswer();
        this.streaming = false;
        this.activity = '';
        this.settleCutAnswers(event.status === 'interrupted' ? 'stopped' : 'length');
        if (event.status === 'interrupted') this.notice('warning', 'Interrupted.');
        else if (event.status === 'max_steps') this.notice('warning', `Stopped after ${event.steps} steps.`);
        else if (event.status === 'repetition') this.notice('warning', 'Stopped: the model repeated itself.');
        else if (event.status === 'failed') this.notice('error', 'The turn failed.');
        return;
      case 'history.replaced': {
        const kept = this.entries.filter((entry) => entry.kind === 'approval' && entry.decision === null);
        this.entries = historyEntries(event.items, () => this.key());
        this.reindex(kept);
        return;
      }
      case 'thread.idle':
        this.settleCutAnswers('stopped');
        this.closeAnswer();
        this.running = false;
        this.streaming = false;
        this.activity = '';
        return;
      // Dual mode: the Background list; they stream while no turn runs, so their changes flush per frame.
      case 'background.started': case 'background.step': case 'background.status': case 'background.finished':
      case 'background.stopped': case 'background.error': case 'background.applied': case 'background.delta': case 'background.tool':
        this.background = applyBackgroundEvent(this.background, event, this.now());
        return;
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }

  private settleCutAnswers(stop: 'stopped' | 'length'): void {
    for (const index of this.cutAnswers.splice(0)) {
      const entry = this.entries[index];
      if (entry?.kind === 'assistant' && entry.stop === 'pending') this.entries[index] = { ...entry, stop };
    }
  }

  /** Ends the streaming answer without a `message` event (a tool call or the end of the response came first). */
  private closeAnswer(): void {
    const open = this.openAnswer;
    if (open === null) return;
    this.openAnswer = null;
    const entry = this.entries[open.index];
    if (entry?.kind === 'assistant' && entry.streaming) this.entries[open.index] = { ...entry, streaming: false };
  }

  private updateCall(callId: string, result: ToolResult): void {
    const index = this.calls.get(callId);
    const entry = index === undefined ? undefined : this.entries[index];
    if (index === undefined || (entry?.kind !== 'tool' && entry?.kind !== 'patch')) return;
    this.entries[index] = { ...entry, result };
  }

  private reindex(pendingApprovals: readonly TranscriptEntry[]): void {
    this.lastAnswer = null;
    this.cutAnswers = [];
    this.calls.clear();
    this.approvals.clear();
    this.openAnswer = null;
    this.entries.forEach((entry, index) => {
      if (entry.kind === 'tool' || entry.kind === 'patch') this.calls.set(entry.callId, index);
    });
    for (const entry of pendingApprovals) {
      if (entry.kind !== 'approval') continue;
      this.approvals.set(entry.requestId, this.entries.length);
      this.entries.push(entry);
    }
  }

  private notice(level: 'info' | 'warning' | 'error', text: string): void {
    this.entries.push({ kind: 'notice', key: this.key(), level, text });
  }

  private reset(threadId: string | null): void {
    this.threadId = threadId;
    this.entries = [];
    this.queued = [];
    this.running = false;
    this.streaming = false;
    this.activity = '';
    this.stats = EMPTY_STATS;
    this.lastSeq = 0;
    this.openAnswer = null;
    this.lastAnswer = null;
    this.cutAnswers = [];
    this.calls.clear();
    this.approvals.clear();
    this.patchesStanding = [];
    this.background = [];
    this.rate.reset();
  }

  private key(): string {
    return `e${++this.keys}`;
  }

  private changed(): void {
    this.cached = null;
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(this.onScheduled);
  }

  /** While a response streams, redraws come at most every STREAM_REDRAW_MS (the first characters of an answer are flushed at once, see `apply`). */
  private readonly onScheduled = (): void => {
    if (!this.scheduled) return;
    if (this.streaming && this.now() - this.flushedAt < STREAM_REDRAW_MS) { this.schedule(this.onScheduled); return; }
    this.flush();
  };
}

function defaultSchedule(flush: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => { flush(); });
  else queueMicrotask(flush);
}

/** The assistant entry that is streaming now, if any (the one the app keeps re-rendering). */
export function streamingAnswer(view: ThreadView): AssistantEntry | undefined {
  const last = view.entries.findLast((entry) => entry.kind === 'assistant');
  return last?.kind === 'assistant' && last.streaming ? last : undefined;
}
