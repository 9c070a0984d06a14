import type { RawData, WebSocket } from 'ws';
import { ApiError, type CreateResponseBody, type InputItem, type ResponseObject } from '@spark/protocol';
import { outputToContextItem } from '../context-item.js';
import { isTerminal } from '@spark/protocol';
import type { ResponseRun, ResponsesService } from '../responses-service.js';
import type { Logger } from '../server-options.js';
import { isServerFault, toApiError } from '../to-api-error.js';
import { ConnectionMemory, type RememberedResponse } from './connection-memory.js';
import { LaneQueue } from './lane-queue.js';
import { parseClientFrame, type ClientFrame } from './parse-client-frame.js';
import { newSteerId, requiredInputs, type QueuedSteer } from './steer.js';
import { NOT_READING_CLOSE_GRACE_MS, WsFrameWriter } from './ws-frame-writer.js';
import { errorFrame, steerAcceptedFrame, steerFailedFrame, steerPendingFrame, type LaneEventFrame, type SteerErrorCode } from './ws-frames.js';
import type { WebSocketLimits } from './ws-limits.js';

export interface WsConnectionDeps {
  service: ResponsesService;
  limits: WebSocketLimits;
  logger: Logger;
  retryAfterSeconds: number;
}

/** A `response.create` accepted onto a lane. */
interface CreateJob {
  body: CreateResponseBody;
  lane: string | undefined;
  generate: boolean;
}

/** The next response a lane generates: a client's create, or an automatic steering successor. */
interface Turn {
  body: CreateResponseBody;
  generate: boolean;
  /** Steering input this turn commits; its `response.created` is the commit point. */
  steers: QueuedSteer[];
}

/** A response this connection is generating. */
interface ActiveResponse {
  readonly id: string;
  readonly lane: string | undefined;
  readonly run: ResponseRun;
  readonly body: CreateResponseBody;
  /** Next `sequence_number` in this response's stream (steer events take numbers too). */
  next: number;
  /** Accepted steering input, waiting for the response to stop. */
  readonly steers: QueuedSteer[];
  /** Stopped by `response.cancel`: no successor, pending steers fail. */
  cancelled: boolean;
  /** Settles once its terminal event was handled. */
  readonly done: Promise<void>;
}

const DEFAULT_LANE = '';

/**
 * One WebSocket connection of the Responses API (spec §3): parses client frames, runs
 * `response.create`s on FIFO lanes (concurrently across lanes; the service's admission queue decides
 * when each starts, this connection being one client of its round-robin), remembers
 * every response it produced with its engine state so a continuation sends only new items,
 * steers and cancels running responses, and writes stream events with backpressure. Every
 * request-scoped failure is an error frame; the socket stays open. Closing it aborts everything
 * the connection started and forgets its memory.
 */
export class WsConnection {
  private readonly writer: WsFrameWriter;
  private readonly lanes = new Map<string, LaneQueue<CreateJob>>();
  private readonly memory: ConnectionMemory;
  private readonly active = new Map<string, ActiveResponse>();
  /** Steering input accepted for a response that stopped to wait for client tool output, by that response's id. */
  private readonly pendingSteers = new Map<string, { lane: string | undefined; steers: QueuedSteer[] }>();
  private readonly controller = new AbortController();
  private readonly ageTimer: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;
  /** Accepted creates that have not started. */
  private queued = 0;
  /** Accepted creates that have not finished (queued included). */
  private unfinished = 0;
  private expired = false;
  private draining = false;
  private missedPongs = 0;
  /** Control frames received in the current window, and when that window started. */
  private controlFrames = 0;
  private controlWindowStart = 0;
  /** Payload of the latest unanswered ping; one pong per tick answers a burst (RFC 6455 §5.5.3). */
  private pendingPong: Buffer | undefined;
  private idleWaiters: Array<() => void> = [];
  /** Settles when the socket closed. */
  readonly closed: Promise<void>;

  constructor(private readonly ws: WebSocket, private readonly deps: WsConnectionDeps) {
    const { limits } = deps;
    this.writer = new WsFrameWriter(ws, { highWaterMarkBytes: limits.highWaterMarkBytes, maxBufferedBytes: limits.maxBufferedBytes });
    this.memory = new ConnectionMemory(limits.maxCachedResponses);
    this.ageTimer = setTimeout(() => this.expire(), limits.maxConnectionAgeMs);
    this.ageTimer.unref();
    this.pingTimer = setInterval(() => this.heartbeat(), limits.pingIntervalMs);
    this.pingTimer.unref();
    const onMessage = (data: RawData, isBinary: boolean): void => this.onFrame(parseClientFrame(toBuffer(data), isBinary));
    const onPong = (): void => {
      this.missedPongs = 0;
      this.countControlFrame();
    };
    const onPing = (data: Buffer): void => {
      if (this.countControlFrame()) this.answerPing(data);
    };
    // Oversized frames (1009), bad UTF-8 (1007) and protocol errors: `ws` closes the socket itself.
    const onError = (): void => undefined;
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    ws.on('ping', onPing);
    ws.on('error', onError);
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        ws.off('message', onMessage);
        ws.off('pong', onPong);
        ws.off('ping', onPing);
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
    this.dropQueued();
    this.controller.abort();
    if (this.unfinished > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
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
        this.steer(frame);
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
    const fail = (error: ApiError): void => this.writer.sendNow(errorFrame(error, job.lane));
    if (this.draining) { fail(new ApiError(503, 'server_error', 'server_shutting_down', 'The server is shutting down; reconnect and try again.')); return; }
    if (this.expired) { fail(connectionLimitReached(this.deps.limits.maxConnectionAgeMs)); return; }
    const key = job.lane ?? DEFAULT_LANE;
    let lane = this.lanes.get(key);
    if (!lane) {
      const named = this.lanes.size - (this.lanes.has(DEFAULT_LANE) ? 1 : 0);
      if (job.lane !== undefined && named >= this.deps.limits.maxNamedLanes) {
        fail(new ApiError(400, 'invalid_request_error', 'websocket_stream_limit_reached',
          `This connection already uses ${this.deps.limits.maxNamedLanes} stream_id lanes; reuse one or open a new connection.`, 'stream_id'));
        return;
      }
      lane = new LaneQueue<CreateJob>((next) => this.runJob(next), (error) => this.deps.logger.error(`websocket lane: ${describe(error)}`));
      this.lanes.set(key, lane);
    }
    // The one bound this transport keeps itself: creates pipelined behind their lane's running
    // turn are invisible to admission until they start, so their number is capped here.
    if (this.queued >= this.deps.limits.maxQueuedRequests) {
      const retry = this.deps.service.retryAfterSeconds(job.body.model);
      fail(new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded',
        `Too many queued requests on this connection (limit ${this.deps.limits.maxQueuedRequests}). Please try again in ${retry}s.`, null,
        { headers: { 'retry-after': String(retry) } }));
      return;
    }
    this.queued += 1;
    this.unfinished += 1;
    lane.push(job);
  }

  private async runJob(job: CreateJob): Promise<void> {
    this.queued -= 1;
    try {
      if (this.controller.signal.aborted) return;
      let turn: Turn | undefined = this.claimPendingSteers(job);
      const previousId = job.body.previous_response_id ?? undefined;
      // A fork from a response still generating on another lane waits for it to finish.
      if (previousId !== undefined) await this.active.get(previousId)?.done;
      while (turn && !this.controller.signal.aborted) turn = await this.runTurn(turn, job.lane);
    } finally {
      this.unfinished -= 1;
      if (this.unfinished === 0) this.onIdle();
    }
  }

  /** Prepends steering input that waited for this continuation (spec §3.8 step 3). */
  private claimPendingSteers(job: CreateJob): Turn {
    const previousId = job.body.previous_response_id;
    const pending = previousId ? this.pendingSteers.get(previousId) : undefined;
    if (!previousId || !pending || pending.lane !== job.lane) return { body: job.body, generate: job.generate, steers: [] };
    this.pendingSteers.delete(previousId);
    const input: InputItem[] = [...pending.steers.flatMap((steer) => steer.items), ...inputItems(job.body.input)];
    return { body: { ...job.body, input }, generate: job.generate, steers: pending.steers };
  }

  /** Runs one response to its end and returns the steering successor to run next, if any. */
  private async runTurn(turn: Turn, lane: string | undefined): Promise<Turn | undefined> {
    const previousId = turn.body.previous_response_id ?? undefined;
    const parent = previousId === undefined ? undefined : this.memory.get(previousId);
    let run: ResponseRun;
    try {
      run = await this.deps.service.create(turn.body, {
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
      this.failSteers(turn.steers, previousId ?? '', 'successor_creation_failed', lane, () => 0);
      return undefined;
    }
    let markDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => { markDone = resolve; });
    const active: ActiveResponse = { id: run.id, lane, run, body: turn.body, next: 0, steers: [], cancelled: false, done };
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
        await this.writer.send(this.stamp(active, event));
      }
    } finally {
      this.active.delete(run.id);
      markDone();
    }
    if (!final || !this.writer.open) return undefined;
    return this.successorOf(active, final);
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
   * After a steered response ended: the automatic successor (same settings, steering input as
   * its input, continuing the steered response's state), or `response.steer.pending` when the
   * response waits for client tool output.
   */
  private successorOf(active: ActiveResponse, final: ResponseObject): Turn | undefined {
    const steers = active.steers.splice(0);
    if (steers.length === 0) return undefined;
    const sequence = (): number => active.next++;
    if (final.status === 'failed' || active.cancelled) {
      this.failSteers(steers, final.id, final.status === 'failed' ? 'successor_creation_failed' : 'response_not_active', active.lane, sequence);
      return undefined;
    }
    const stubs = requiredInputs(final.output);
    if (stubs.length > 0) {
      for (const steer of steers) this.writer.sendNow(steerPendingFrame(sequence(), steer.id, final.id, stubs, active.lane));
      this.pendingSteers.set(final.id, { lane: active.lane, steers });
      return undefined;
    }
    return {
      body: { ...active.body, previous_response_id: final.id, input: steers.flatMap((steer) => steer.items) },
      generate: true,
      steers,
    };
  }

  private steer(frame: Extract<ClientFrame, { kind: 'steer' }>): void {
    const { previousResponseId, input } = frame;
    const fail = (code: SteerErrorCode, lane: string | undefined, sequence: number): void =>
      this.writer.sendNow(steerFailedFrame(sequence, { id: undefined, previousResponseId, input }, code, lane));
    const active = this.active.get(previousResponseId);
    if (!frame.items) { fail('invalid_input', active?.lane, active ? active.next++ : 0); return; }
    if (!active) {
      const remembered = this.memory.peek(previousResponseId);
      fail(remembered ? (remembered.status === 'completed' ? 'response_already_completed' : 'response_not_active') : 'response_not_found', remembered?.lane, 0);
      return;
    }
    if (active.cancelled) { fail('response_not_active', active.lane, active.next++); return; }
    if (active.steers.length >= this.deps.limits.maxPendingSteers) { fail('too_many_pending_steers', active.lane, active.next++); return; }
    const steer: QueuedSteer = { id: newSteerId(), input, items: frame.items };
    active.steers.push(steer);
    this.writer.sendNow(steerAcceptedFrame(active.next++, steer.id, active.id, active.lane));
    // Stops decoding at the next token; the partial output is kept and the successor continues it.
    active.run.abort('steered');
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

  private failSteers(steers: readonly QueuedSteer[], responseId: string, code: SteerErrorCode, lane: string | undefined, sequence: () => number): void {
    for (const steer of steers) {
      this.writer.sendNow(steerFailedFrame(sequence(), { id: steer.id, previousResponseId: responseId, input: steer.input }, code, lane));
    }
  }

  /** The event in its response's sequence (renumbered: steer events share it), with the lane's `stream_id`. */
  private stamp(active: ActiveResponse, event: LaneEventFrame): LaneEventFrame {
    const frame = { ...event, sequence_number: active.next++ };
    return active.lane === undefined ? frame : { ...frame, stream_id: active.lane };
  }

  private expire(): void {
    this.expired = true;
    if (this.unfinished === 0) this.closeExpired();
  }

  /** Connection age limit: in-flight responses finished, so close normally (spec §3.9). */
  private closeExpired(): void {
    if (this.writer.open) this.ws.close(1000, 'connection age limit reached');
  }

  private onIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    if (this.expired) this.closeExpired();
  }

  private heartbeat(): void {
    if (!this.writer.open) return;
    if (this.missedPongs >= 2) {
      this.ws.terminate();
      return;
    }
    this.missedPongs += 1;
    this.ws.ping();
  }

  /**
   * Counts one control frame against `maxControlFrames` per window; past the limit the connection
   * is closed with 1008 and false is returned. Other connections are not affected.
   */
  private countControlFrame(): boolean {
    if (!this.writer.open) return false;
    const now = Date.now();
    if (now - this.controlWindowStart >= this.deps.limits.controlFrameWindowMs) {
      this.controlWindowStart = now;
      this.controlFrames = 0;
    }
    this.controlFrames += 1;
    if (this.controlFrames <= this.deps.limits.maxControlFrames) return true;
    this.ws.close(1008, 'too many control frames');
    // A flooder need not answer the close frame: do not hold its socket for ws's 30 s close timeout.
    setTimeout(() => this.ws.terminate(), NOT_READING_CLOSE_GRACE_MS).unref();
    return false;
  }

  /** Answers only the latest ping of a burst, once the frames parsed in this tick are handled. */
  private answerPing(data: Buffer): void {
    const scheduled = this.pendingPong !== undefined;
    this.pendingPong = data;
    if (scheduled) return;
    setImmediate(() => {
      const payload = this.pendingPong;
      this.pendingPong = undefined;
      if (payload !== undefined && this.writer.open) this.ws.pong(payload);
    });
  }

  private onClose(): void {
    clearTimeout(this.ageTimer);
    clearInterval(this.pingTimer);
    // Aborts every generation this connection started (the service stores partial store:true ones).
    this.controller.abort();
    this.dropQueued();
    if (this.unfinished === 0) this.onIdle();
    this.memory.clear();
    this.pendingSteers.clear();
  }

  private dropQueued(): void {
    for (const lane of this.lanes.values()) {
      const dropped = lane.clear().length;
      this.queued -= dropped;
      this.unfinished -= dropped;
    }
  }
}

/** The spec §3.9 error for creates after the connection's age limit. */
function connectionLimitReached(maxAgeMs: number): ApiError {
  const minutes = Math.round(maxAgeMs / 60_000);
  return new ApiError(400, 'invalid_request_error', 'websocket_connection_limit_reached',
    `Responses websocket connection limit reached (${minutes} minutes). Create a new websocket connection to continue.`);
}

function inputItems(input: CreateResponseBody['input']): InputItem[] {
  if (input === undefined) return [];
  return typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}

