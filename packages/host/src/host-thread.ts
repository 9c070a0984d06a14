import type { AgentEvent, OpenedAgent } from '@spark/agent';
import type { AgentOp, ThreadSnapshot } from '@spark/protocol';
import { HostError } from './host-error.js';
import { threadTitle } from './thread-title.js';
import type { AttachResult, ThreadInfo } from './wire/host-frames.js';

/** A client as a thread sees it: it gets the thread's events, in order. */
export interface HostSubscriber {
  /** One event of a thread it attached to; called in the thread's order, after its attach answer. */
  event(event: AgentEvent): void;
  /** True once the client is gone: it is not attached to anything any more. */
  readonly closed: boolean;
}

export interface HostThreadOptions {
  title: string;
  createdAt: string;
  forkedFrom?: { thread_id: string; turn: number };
  maxLogEvents: number;
  maxLogBytes: number;
  /** Called when the thread's list entry changes (state, title, model). */
  onChanged(info: ThreadInfo): void;
  /** Called when the thread's event stream failed; the host closes it. */
  onFailed(thread: HostThread, error: unknown): void;
}

/**
 * One open thread of the host: the agent, and the host as the ONE reader of its events. The
 * thread keeps `base`, a snapshot taken at a turn boundary (open, or the last `thread.idle`), and
 * `log`, every event since; a client attaching gets both in the same tick it is subscribed, so
 * base, then log, then the live events forwarded after it are the whole thread with no gap and
 * no duplicate. Every subscriber gets each event in the same order, as the thread reads it.
 */
export class HostThread {
  readonly id: string;
  private base: ThreadSnapshot;
  private log: AgentEvent[] = [];
  private logBytes = 0;
  /** The log outgrew its limit during this turn: attaching waits for the next idle. */
  private logFull = false;
  private readonly subscribers = new Set<HostSubscriber>();
  private title: string;
  private running = false;
  private updatedMs = Date.now();
  /** When a client last used the thread, for closing the least recently used one. */
  lastUsedMs = Date.now();
  private idleWaiters: Array<() => void> = [];
  private readonly events: AsyncIterator<AgentEvent>;
  private readonly pump: Promise<void>;
  private closing: Promise<void> | undefined;
  /** Resolves when the thread closes: ends the pump's wait (the channel's `return` leaves a pending `next` unsettled). */
  private stop!: () => void;
  private readonly stopped = new Promise<IteratorReturnResult<undefined>>((resolve) => { this.stop = () => resolve({ done: true, value: undefined }); });

  constructor(readonly opened: OpenedAgent, private readonly options: HostThreadOptions) {
    const agent = opened.agent;
    this.id = agent.threadId;
    this.title = options.title;
    // Subscribe and take the base in the same tick: every event after `base.last_seq` reaches the pump.
    this.events = agent.events()[Symbol.asyncIterator]();
    this.base = agent.snapshot();
    this.pump = this.read();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  get isRunning(): boolean {
    return this.running;
  }

  info(): ThreadInfo {
    return {
      thread_id: this.id,
      title: this.title,
      model: this.opened.agent.model,
      created_at: this.options.createdAt,
      updated_ms: this.updatedMs,
      state: this.running ? 'running' : 'idle',
      ...(this.options.forkedFrom === undefined ? {} : { forked_from: this.options.forkedFrom }),
    };
  }

  /**
   * Subscribes `subscriber` and returns, in the same tick, the base snapshot and the events since:
   * the events it gets from now on follow the last of those. Attaching twice is harmless.
   */
  attach(subscriber: HostSubscriber): AttachResult {
    if (this.closing !== undefined) throw new HostError('unknown_thread', 'The thread is closing.');
    if (this.logFull) {
      throw new HostError('thread_log_full', 'The running turn has streamed more than the host keeps for late clients; attach again when it ends.');
    }
    this.subscribers.add(subscriber);
    this.lastUsedMs = Date.now();
    return { thread: this.info(), snapshot: this.base, events: this.log.slice() };
  }

  /** Stops the events for `subscriber`; true when it was attached. */
  detach(subscriber: HostSubscriber): boolean {
    return this.subscribers.delete(subscriber);
  }

  isAttached(subscriber: HostSubscriber): boolean {
    return this.subscribers.has(subscriber);
  }

  /** One op from an attached client; the agent's refusals (`busy`, `unknown_approval`...) reject with its AgentError. */
  submit(op: AgentOp): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new HostError('unknown_thread', 'The thread is closing.'));
    this.lastUsedMs = Date.now();
    return this.opened.agent.submit(op);
  }

  /**
   * Interrupts a running turn, waits (at most `graceMs`) for the thread to go idle, then ends the
   * event stream, flushes the session and closes the agent's connection.
   */
  close(graceMs: number): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.subscribers.clear();
    try {
      if (this.running) {
        this.opened.agent.interrupt();
        await this.idleOrTimeout(graceMs);
      }
    } finally {
      this.stop();
      await this.events.return?.();
      await this.pump;
      await this.opened.session?.flush().catch(() => undefined);
      await this.opened.connection.close();
    }
  }

  private idleOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.idleWaiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  private async read(): Promise<void> {
    try {
      for (;;) {
        const next = await Promise.race([this.events.next(), this.stopped]);
        if (next.done === true) return;
        this.take(next.value);
      }
    } catch (error) {
      if (this.closing === undefined) this.options.onFailed(this, error);
    }
  }

  private take(event: AgentEvent): void {
    this.updatedMs = Date.now();
    if (!this.logFull) {
      this.logBytes += estimateBytes(event);
      if (this.log.length < this.options.maxLogEvents && this.logBytes <= this.options.maxLogBytes) this.log.push(event);
      else {
        this.logFull = true;
        this.log = [];
        this.logBytes = 0;
      }
    }
    for (const subscriber of this.subscribers) {
      if (subscriber.closed) this.subscribers.delete(subscriber);
      else subscriber.event(event);
    }
    let changed = false;
    switch (event.type) {
      case 'turn.started':
        if (this.title === '') this.title = threadTitle(event.input);
        this.running = true;
        changed = true;
        break;
      case 'thread.idle':
        this.running = false;
        this.rebase(event.seq);
        changed = true;
        for (const wake of this.idleWaiters.splice(0)) wake();
        break;
      case 'model.changed':
        changed = true;
        break;
      case 'background.started': case 'background.status': case 'background.finished':
      case 'background.stopped': case 'background.error': case 'background.applied':
        // Background agents stream while the foreground is idle: their state changes are
        // boundaries too, so the log does not grow (and fill) until the next foreground turn.
        if (!this.running) this.rebase(event.seq);
        break;
      default:
        break;
    }
    if (changed) this.options.onChanged(this.info());
  }

  /**
   * At a turn boundary (or a background agent's change while no turn runs) the base moves up to the agent's snapshot and the log empties. Only when
   * the agent has emitted nothing since this `thread.idle` (an op may already have started the
   * next turn): a snapshot taken mid-stream would miss the deltas of a partial answer.
   */
  private rebase(idleSeq: number): void {
    const now = this.opened.agent.snapshot();
    if (now.last_seq !== idleSeq) return;
    this.base = now;
    this.log = [];
    this.logBytes = 0;
    this.logFull = false;
  }
}

/** An event's size as JSON, cheaply for the per-token ones (the envelope and names are about 150 bytes). */
function estimateBytes(event: AgentEvent): number {
  if (event.type === 'text.delta' || event.type === 'tool_input.delta' || event.type === 'background.delta') return event.delta.length + 150;
  return JSON.stringify(event).length;
}
