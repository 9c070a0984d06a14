import type { RawData, WebSocket } from 'ws';
import { ApiError, isTerminal, type CreateResponseBody, type ResponseObject } from '@spark/protocol';
import { outputToContextItem } from '../context-item.js';
import type { ResponseRun, ResponsesService } from '../responses-service.js';
import type { Logger } from '../server-options.js';
import { isServerFault, toApiError } from '../to-api-error.js';
import { ActiveResponse } from './active-response.js';
import { ConnectionMemory, type RememberedResponse } from './connection-memory.js';
import { LaneScheduler } from './lane-scheduler.js';
import { parseClientFrame, type ClientFrame } from './parse-client-frame.js';
import { Steering, type Turn } from './steering.js';
import { WsFrameWriter } from './ws-frame-writer.js';
import { errorFrame } from './ws-frames.js';
import { WsHeartbeat } from './ws-heartbeat.js';
import type { WebSocketLimits } from './ws-limits.js';

export interface WsConnectionDeps {
  service: ResponsesService;
  limits: WebSocketLimits;
  logger: Logger;
  retryAfterSeconds: number;
}

/** Numbers connections for their session names; process-wide, so servers sharing an engine never collide. */
let nextConnectionNumber = 1;

/** A `response.create` accepted onto a lane. */
interface CreateJob {
  body: CreateResponseBody;
  lane: string | undefined;
  generate: boolean;
}

/**
 * One WebSocket connection of the Responses API (spec §3): parses client frames, runs
 * `response.create`s on its lanes (`LaneScheduler`; this connection is one client of the
 * admission queue's round-robin), remembers every response it produced with its engine state so
 * a continuation sends only new items, steers (`Steering`) and cancels running responses, and
 * writes stream events with backpressure, numbered per response (`ActiveResponse`). Every
 * request-scoped failure is an error frame; the socket stays open. Closing it aborts everything
 * the connection started and forgets its memory.
 */
export class WsConnection {
  private readonly writer: WsFrameWriter;
  private readonly lanes: LaneScheduler<CreateJob>;
  private readonly steering: Steering;
  private readonly memory: ConnectionMemory;
  private readonly active = new Map<string, ActiveResponse>();
  private readonly controller = new AbortController();
  private readonly ageTimer: NodeJS.Timeout;
  private readonly heartbeat: WsHeartbeat;
  private expired = false;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  /** Names this connection to engines (`GenerateRequest.session` is this id and the lane). */
  private readonly id = `ws${nextConnectionNumber++}`;
  /** The sessions this connection's generations ran in, ended when it closes. */
  private readonly sessions = new Set<string>();
  /** Settles when the socket closed. */
  readonly closed: Promise<void>;

  constructor(private readonly ws: WebSocket, private readonly deps: WsConnectionDeps) {
    const { limits } = deps;
    this.writer = new WsFrameWriter(ws, { highWaterMarkBytes: limits.highWaterMarkBytes, maxBufferedBytes: limits.maxBufferedBytes });
    this.memory = new ConnectionMemory(limits.maxCachedResponses);
    this.lanes = new LaneScheduler<CreateJob>({
      maxNamedLanes: limits.maxNamedLanes,
      maxQueuedRequests: limits.maxQueuedRequests,
      run: (job) => this.runJob(job),
      onError: (error) => this.deps.logger.error(`websocket lane: ${describe(error)}`),
      onIdle: () => this.onIdle(),
    });
    this.steering = new Steering({
      writer: this.writer,
      maxPendingSteers: limits.maxPendingSteers,
      active: (id) => this.active.get(id),
      remembered: (id) => this.memory.peek(id),
    });
    this.ageTimer = setTimeout(() => this.expire(), limits.maxConnectionAgeMs);
    this.ageTimer.unref();
    const onMessage = (data: RawData, isBinary: boolean): void => this.onFrame(parseClientFrame(toBuffer(data), isBinary));
    // Oversized frames (1009), bad UTF-8 (1007) and protocol errors: `ws` closes the socket itself.
    const onError = (): void => undefined;
    ws.on('message', onMessage);
    this.heartbeat = new WsHeartbeat(ws, limits, () => this.writer.open);
    ws.on('error', onError);
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        ws.off('message', onMessage);
        this.onClose();
        // `ws` may still report a late socket error after close; keep swallowing those.
        resolve();
      });
    });
  }

  /**
   * Server shutdown: refuses new creates, drops queued ones, interrupts running ones and lets
   * them write their `response.incomplete`, then closes with 1001 (going away: clients may
   * reconnect elsewhere).
   */
  async shutdown(): Promise<void> {
    this.draining = true;
    this.lanes.dropQueued();
    this.controller.abort();
    if (this.lanes.unfinished > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.writer.open) this.ws.close(1001, 'server shutting down');
    await this.closed;
  }

  /** Drops the socket without a closing handshake (after the shutdown grace period). */
  terminate(): void {
    this.ws.terminate();
  }

  private onFrame(frame: ClientFrame): void {
    // A socket this server is closing takes no new work.
    if (!this.writer.open) return;
    switch (frame.kind) {
      case 'error':
        this.writer.sendNow(errorFrame(frame.error, frame.streamId));
        return;
      case 'create':
        this.enqueue({ body: frame.body, lane: frame.streamId, generate: frame.generate });
        return;
      case 'steer':
        this.steering.steer(frame);
        return;
      case 'cancel':
        this.cancel(frame.responseId);
        return;
      default: {
        const unreachable: never = frame;
        throw new Error(`Unknown client frame ${(unreachable as { kind: string }).kind}`);
      }
    }
  }

  private enqueue(job: CreateJob): void {
    const refusal = this.draining ? new ApiError(503, 'server_error', 'server_shutting_down', 'The server is shutting down; reconnect and try again.')
      : this.expired ? connectionLimitReached(this.deps.limits.maxConnectionAgeMs)
      : this.lanes.submit(job.lane, job, () => this.deps.service.retryAfterSeconds(job.body.model));
    if (refusal) this.writer.sendNow(errorFrame(refusal, job.lane));
  }

  private async runJob(job: CreateJob): Promise<void> {
    if (this.controller.signal.aborted) return;
    let turn: Turn | undefined = this.steering.turnFor(job.body, job.generate, job.lane);
    const previousId = job.body.previous_response_id ?? undefined;
    // A fork from a response still generating on another lane waits for it to finish.
    if (previousId !== undefined) await this.active.get(previousId)?.done;
    while (turn && !this.controller.signal.aborted) turn = await this.runTurn(turn, job.lane);
  }

  /** Runs one response to its end and returns the steering successor to run next, if any. */
  private async runTurn(turn: Turn, lane: string | undefined): Promise<Turn | undefined> {
    const previousId = turn.body.previous_response_id ?? undefined;
    const parent = previousId === undefined ? undefined : this.memory.get(previousId);
    const session = `${this.id}/${lane ?? ''}`;
    this.sessions.add(session);
    let run: ResponseRun;
    try {
      run = await this.deps.service.create(turn.body, {
        session,
        signal: this.controller.signal,
        client: this,
        ...(parent ? { previous: parent.known } : {}),
        ...(turn.generate ? {} : { prefillOnly: true }),
      });
    } catch (error) {
      const apiError = toApiError(error, this.deps.retryAfterSeconds);
      if (isServerFault(apiError)) this.deps.logger.error(`websocket response.create: ${describe(error)}`);
      this.writer.sendNow(errorFrame(apiError, lane));
      this.forgetFailedParent(parent, lane);
      this.steering.fail(turn.steers, previousId ?? '', 'successor_creation_failed', lane, () => 0);
      return undefined;
    }
    const active = new ActiveResponse(run, lane, turn.body);
    this.active.set(run.id, active);
    let final: ResponseObject | undefined;
    try {
      for await (const event of run.events) {
        // Leaving the loop interrupts the generation; the service still stores the partial response.
        if (!this.writer.open) break;
        if (isTerminal(event)) {
          final = event.response;
          // Before the terminal frame goes out: a client reacting to it finds the response remembered and no longer steerable.
          this.active.delete(run.id);
          this.settle(active, final, parent);
        }
        // Awaited only when the socket is over its high-water mark (see `WsFrameWriter.send`).
        const drained = this.writer.send(active.frame(event));
        if (drained) await drained;
      }
    } finally {
      this.active.delete(run.id);
      active.finish();
    }
    if (!final || !this.writer.open) return undefined;
    return this.steering.successorOf(active, final);
  }

  /** Remembers a finished response for continuations; a failed same-lane continuation evicts its parent instead (spec §3.5). */
  private settle(active: ActiveResponse, final: ResponseObject, parent: RememberedResponse | undefined): void {
    if (final.status === 'failed') {
      this.forgetFailedParent(parent, active.lane);
      return;
    }
    const state = active.run.generationState();
    this.memory.remember({
      id: final.id,
      lane: active.lane,
      status: final.status,
      known: {
        items: [...active.run.inputItems, ...final.output.map(outputToContextItem)],
        promptKey: active.run.promptKey,
        ...(state === undefined ? {} : { state }),
      },
      body: active.body,
    });
  }

  private forgetFailedParent(parent: RememberedResponse | undefined, lane: string | undefined): void {
    if (parent && parent.lane === lane) this.memory.forget(parent.id);
  }

  /**
   * Spark extension `{"type":"response.cancel","response_id":"resp_…"}`: stops a generating
   * response without closing the socket; it ends with `response.incomplete` and status
   * `cancelled`, as `POST /v1/responses/{id}/cancel` does. A finished response is left as is; an
   * unknown id gets a 404 error frame.
   */
  private cancel(responseId: string): void {
    const active = this.active.get(responseId);
    if (active) {
      active.cancelled = true;
      active.run.abort('cancelled');
      return;
    }
    if (this.memory.peek(responseId)) return;
    this.writer.sendNow(errorFrame(new ApiError(404, 'invalid_request_error', 'response_not_found',
      `No response with id '${responseId.slice(0, 80)}' on this connection.`, 'response_id'), undefined));
  }

  private expire(): void {
    this.expired = true;
    if (this.lanes.unfinished === 0) this.closeExpired();
  }

  /** Connection age limit: in-flight responses finished, so close normally (spec §3.9). */
  private closeExpired(): void {
    if (this.writer.open) this.ws.close(1000, 'connection age limit reached');
  }

  private onIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    if (this.expired) this.closeExpired();
  }

  private onClose(): void {
    clearTimeout(this.ageTimer);
    this.heartbeat.stop();
    // Aborts every generation this connection started (the service stores partial store:true ones).
    this.controller.abort();
    this.lanes.dropQueued();
    if (this.lanes.unfinished === 0) this.onIdle();
    this.memory.clear();
    this.steering.clear();
    // Generations still running hold their upstream socket until they end; the engine then drops it.
    this.deps.service.endSessions(this.sessions);
    this.sessions.clear();
  }
}

/** The spec §3.9 error for creates after the connection's age limit. */
function connectionLimitReached(maxAgeMs: number): ApiError {
  const minutes = Math.round(maxAgeMs / 60_000);
  return new ApiError(400, 'invalid_request_error', 'websocket_connection_limit_reached',
    `Responses websocket connection limit reached (${minutes} minutes). Create a new websocket connection to continue.`);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
