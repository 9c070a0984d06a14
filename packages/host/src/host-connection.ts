import type { AgentEvent } from '@spark/agent';
import type { AgentHost, HostPeer } from './agent-host.js';
import { HostError, toHostErrorBody } from './host-error.js';
import { DEFAULT_MAX_PENDING_REQUESTS } from './host-limits.js';
import { HostFrameError, parseHostRequest, type HostMessage, type HostRequest, type ThreadInfo } from './wire/host-frames.js';

export interface HostConnectionOptions {
  /** Writes one frame to the client (the transport serializes it and watches backpressure). */
  send(message: HostMessage): void;
  /** See `DEFAULT_MAX_PENDING_REQUESTS`. */
  maxPendingRequests?: number;
}

/**
 * One client of the host, transport-free: reads its request frames, answers each with one
 * `result` or `error` with the request's id, and forwards the events of the threads it attached
 * to. A bad frame or a refused request is answered to this client only; nothing else changes.
 */
export class HostConnection implements HostPeer {
  private isClosed = false;
  private pending = 0;
  private readonly maxPending: number;

  constructor(private readonly host: AgentHost, private readonly options: HostConnectionOptions) {
    this.maxPending = options.maxPendingRequests ?? DEFAULT_MAX_PENDING_REQUESTS;
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
    this.host.disconnect(this);
  }

  event(event: AgentEvent): void {
    this.send({ type: 'event', event });
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
    if (!this.isClosed) this.options.send(message);
  }
}
