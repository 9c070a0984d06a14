import type { AgentEvent } from '@spark/agent';
import type { AgentHost, HostPeer } from './agent-host.js';
import { HostError, toHostErrorBody } from './host-error.js';
import { DEFAULT_MAX_EVENTS_PER_FRAME, DEFAULT_MAX_PENDING_REQUESTS } from './host-limits.js';
import { HostFrameError, parseHostRequest, type HostMessage, type HostRequest, type ThreadInfo } from './wire/host-frames.js';

export interface HostConnectionOptions {
  /** Writes one frame to the client (the transport serializes it and watches backpressure). */
  send(message: HostMessage): void;
  /** See `DEFAULT_MAX_PENDING_REQUESTS`. */
  maxPendingRequests?: number;
  /** See `DEFAULT_MAX_EVENTS_PER_FRAME`; 1 sends every event in its own `event` frame. */
  maxEventsPerFrame?: number;
}

/**
 * One client of the host, transport-free: reads its request frames, answers each with one
 * `result` or `error` with the request's id, and forwards the events of the threads it attached
 * to. A bad frame or a refused request is answered to this client only; nothing else changes.
 *
 * Events are batched: those forwarded within one tick leave as one `events` frame (a lone one as
 * an `event` frame) when the tick's I/O is done, or as soon as `maxEventsPerFrame` are waiting.
 * Any other frame sent while events wait is queued behind them and leaves with them, so the
 * frames keep the exact order of the calls (an attach answer still precedes the events of the
 * thread it subscribed to, and follows the events of other threads forwarded before it), and a
 * turn's first events and the op's answer are written after the agent has sent its request:
 * their serialisation and the client's redraw stay out of the model's time to first token.
 */
export class HostConnection implements HostPeer {
  private isClosed = false;
  private pending = 0;
  private readonly maxPending: number;
  private readonly maxBatch: number;
  private batch: AgentEvent[] = [];
  /** Frames waiting for the scheduled flush, in order; the open `batch` goes after them. */
  private queued: HostMessage[] = [];
  private flushScheduled = false;

  constructor(private readonly host: AgentHost, private readonly options: HostConnectionOptions) {
    this.maxPending = options.maxPendingRequests ?? DEFAULT_MAX_PENDING_REQUESTS;
    this.maxBatch = Math.max(1, options.maxEventsPerFrame ?? DEFAULT_MAX_EVENTS_PER_FRAME);
    host.connect(this);
    this.send(host.hello());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** One text frame from the client. */
  receive(text: string): void {
    if (this.isClosed) return;
    let request: HostRequest;
    try {
      request = parseHostRequest(text);
    } catch (error) {
      const id = error instanceof HostFrameError ? error.requestId : null;
      this.send({ type: 'error', id, error: toHostErrorBody(error) });
      return;
    }
    if (this.pending >= this.maxPending) {
      this.send({ type: 'error', id: request.id, error: { code: 'too_many_requests', message: `At most ${this.maxPending} requests may be in flight.` } });
      return;
    }
    this.pending += 1;
    void this.handle(request).finally(() => { this.pending -= 1; });
  }

  /** The client is gone: it is detached from its threads, whose turns go on. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.batch = [];
    this.queued = [];
    this.host.disconnect(this);
  }

  event(event: AgentEvent): void {
    if (this.isClosed) return;
    this.batch.push(event);
    if (this.batch.length >= this.maxBatch) { this.flush(); return; }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate runs after the I/O callbacks of this loop turn: a burst read from one packet goes as one frame.
    setImmediate(() => { this.flushScheduled = false; this.flush(); });
  }

  threadChanged(thread: ThreadInfo): void {
    this.send({ type: 'thread.changed', thread });
  }

  private async handle(request: HostRequest): Promise<void> {
    const id = request.id;
    const answer = (result: Record<string, unknown>): void => this.send({ type: 'result', id, result });
    try {
      switch (request.type) {
        case 'threads.list': answer({ threads: await this.host.listThreads() }); return;
        case 'models.list': answer({ models: await this.host.listModels() }); return;
        case 'thread.start': await this.host.startThread(this, request.model, answer); return;
        case 'thread.attach': await this.host.attachThread(this, request.thread_id, answer); return;
        case 'thread.fork': await this.host.forkThread(this, request.thread_id, request.turn, answer); return;
        case 'thread.detach': this.host.detachThread(this, request.thread_id); answer({}); return;
        case 'thread.op': await this.host.submit(this, request.thread_id, request.op); answer({}); return;
        default: throw new HostError('invalid_frame', `Unknown request type.`);
      }
    } catch (error) {
      this.send({ type: 'error', id, error: toHostErrorBody(error) });
    }
  }

  private send(message: HostMessage): void {
    if (this.isClosed) return;
    // Nothing waits unless a flush is scheduled: then the frame goes behind what waits.
    if (this.flushScheduled) {
      this.closeBatch();
      this.queued.push(message);
      return;
    }
    this.options.send(message);
  }

  /** Writes the waiting frames, then the waiting events as one frame. */
  private flush(): void {
    if (this.isClosed) return;
    this.closeBatch();
    const frames = this.queued;
    this.queued = [];
    for (const frame of frames) this.options.send(frame);
  }

  /** The waiting events become one frame in the queue. */
  private closeBatch(): void {
    const events = this.batch;
    if (events.length === 0) return;
    this.batch = [];
    const [only] = events;
    this.queued.push(events.length === 1 && only !== undefined ? { type: 'event', event: only } : { type: 'events', events });
  }
}
