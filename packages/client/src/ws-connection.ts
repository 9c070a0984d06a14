import { INVALID_STREAM_ID_MESSAGE, STREAM_ID, type InputItem, type ResponseCancelFrame } from '@spark/protocol';
import { abortedError, ClientError } from './client-error.js';
import { isSteerEvent, type ClientEvent } from './client-events.js';
import { DEFAULT_MAX_HELD_STEER_EVENTS, type ResolvedClientOptions } from './client-options.js';
import { LaneTurn, type LaneTurnHooks } from './lane-turn.js';
import { listModels } from './list-models.js';
import { openFrameSocket, type FrameSocket } from './open-frame-socket.js';
import { parseServerMessage, type ServerMessage } from './parse-server-message.js';
import type { CreateParams, ModelEntry, ResponsesConnection, StreamOptions } from './responses-connection.js';
import { toWebSocketUrl } from './to-websocket-url.js';
import { untilAborted } from './until-aborted.js';

/** Lane key of requests without `stream_id`. */
const DEFAULT_LANE = '';

/** One opened socket; `epoch` numbers them from 1. */
interface SocketGeneration {
  readonly epoch: number;
  socket: FrameSocket | undefined;
}

/**
 * The Responses API over one WebSocket at a time (spec §3). Streams are routed by lane
 * (`stream_id`): one stream per lane at a time, lanes concurrently. The socket opens lazily
 * again after it closed, which starts a new epoch: the server forgot every response of the
 * old one.
 */
export class WsResponsesConnection implements ResponsesConnection {
  readonly kind = 'websocket';
  private readonly url: string;
  private readonly lanes = new Map<string, LaneTurn>();
  /** Steering events that arrived for a lane with no stream open; its next stream yields them first. */
  private readonly held = new Map<string, ClientEvent[]>();
  private current: SocketGeneration | undefined;
  private connecting: Promise<SocketGeneration> | undefined;
  private epoch = 0;
  private closed = false;
  /** Aborted by `close()`: stops a connect attempt no caller waits for any more. */
  private readonly lifetime = new AbortController();

  private constructor(private readonly options: ResolvedClientOptions) {
    this.url = toWebSocketUrl(options.baseUrl);
  }

  /** Opens the first socket, so a refused upgrade surfaces here (and `auto` can fall back). */
  static async connect(options: ResolvedClientOptions, signal?: AbortSignal): Promise<WsResponsesConnection> {
    const connection = new WsResponsesConnection(options);
    try {
      await connection.ensureSocket(signal);
    } catch (error) {
      // A caller's abort only stops its wait: closing stops the attempt itself.
      await connection.close();
      throw error;
    }
    return connection;
  }

  get connectionEpoch(): number {
    return this.epoch;
  }

  async *stream(params: CreateParams, streamOptions: StreamOptions = {}): AsyncGenerator<ClientEvent, void, undefined> {
    const { signal } = streamOptions;
    if (this.closed) throw closedError();
    if (signal?.aborted) throw abortedError(signal.reason);
    // The server cannot tag its error for an invalid lane, so it is checked here (spec §3.3).
    if (params.stream_id !== undefined && params.stream_id !== null && !STREAM_ID.test(params.stream_id)) {
      throw new ClientError('invalid_stream_id', INVALID_STREAM_ID_MESSAGE, { param: 'stream_id' });
    }
    const key = params.stream_id ?? DEFAULT_LANE;
    const turn = await this.claimLane(key);
    try {
      const generation = await this.ensureSocket(signal);
      turn.epoch = generation.epoch;
      if (this.current !== generation || !generation.socket?.open) throw socketGone();
      generation.socket.send(JSON.stringify({ type: 'response.create', ...params }));
    } catch (error) {
      turn.fail(ClientError.is(error) ? error : socketGone());
      throw error;
    }
    const onAbort = (): void => turn.requestCancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const item = await turn.next();
        if (item.kind === 'end') return;
        if (item.kind === 'error') throw item.error;
        yield item.event;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      turn.detach();
    }
  }

  steer(responseId: string, input: string | InputItem[]): void {
    if (this.closed) throw closedError();
    const socket = this.current?.socket;
    if (!socket?.open) throw new ClientError('connection_closed', 'No WebSocket is open, so no response is streaming to steer.');
    socket.send(JSON.stringify({ type: 'response.steer', previous_response_id: responseId, input }));
  }

  listModels(options: StreamOptions = {}): Promise<ModelEntry[]> {
    return listModels(this.options, options.signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.lifetime.abort();
    const error = closedError();
    for (const turn of [...this.lanes.values()]) turn.fail(error);
    const socket = this.current?.socket;
    this.current = undefined;
    if (!socket) return;
    socket.close();
    await socket.closed;
  }

  /** Reserves a lane: a lane whose reader left waits (bounded by the cancel grace) for its response to end. */
  private async claimLane(key: string): Promise<LaneTurn> {
    for (let existing = this.lanes.get(key); existing; existing = this.lanes.get(key)) {
      if (!existing.detached) {
        throw new ClientError('busy', `A response is already streaming on ${key === DEFAULT_LANE ? 'the default lane' : `lane '${key}'`}; use another stream_id or wait for it to end.`);
      }
      await existing.finished;
    }
    const held = this.held.get(key) ?? [];
    this.held.delete(key);
    const turn = new LaneTurn(this.hooks(key), this.options.cancelGraceMs, held);
    this.lanes.set(key, turn);
    return turn;
  }

  private hooks(key: string): LaneTurnHooks {
    return {
      sendCancel: (responseId) => this.current?.socket?.send(JSON.stringify({ type: 'response.cancel', response_id: responseId } satisfies ResponseCancelFrame)),
      onFinished: (turn) => {
        if (this.lanes.get(key) === turn) this.lanes.delete(key);
      },
      onGraceExpired: (turn) => {
        // The lane's frames can no longer be told apart from the next stream's: only a new socket is clean.
        turn.fail(abortedError());
        const generation = this.current;
        if (generation?.epoch === turn.epoch) generation?.socket?.terminate();
      },
    };
  }

  /**
   * The open socket, opening one when there is none. Callers share one attempt, bounded by
   * `connectTimeoutMs`; a caller's abort only stops its own wait.
   */
  private async ensureSocket(signal: AbortSignal | undefined): Promise<SocketGeneration> {
    if (signal?.aborted) throw abortedError(signal.reason);
    if (this.current?.socket?.open) return this.current;
    this.connecting ??= this.openSocket().finally(() => { this.connecting = undefined; });
    return untilAborted(this.connecting, signal);
  }

  private async openSocket(): Promise<SocketGeneration> {
    // A socket still closing must finish first, so its close cannot fail the new epoch's streams.
    await this.current?.socket?.closed;
    const generation: SocketGeneration = { epoch: this.epoch + 1, socket: undefined };
    generation.socket = await openFrameSocket(this.url, {
      headers: this.options.headers,
      timeoutMs: this.options.connectTimeoutMs,
      maxFrameBytes: this.options.maxEventBytes,
      signal: this.lifetime.signal,
    }, {
      onFrame: (text) => this.onFrame(generation, text),
      onClose: (error) => this.onSocketClosed(generation, error),
    });
    if (this.closed) {
      generation.socket.terminate();
      throw closedError();
    }
    this.epoch = generation.epoch;
    this.current = generation;
    return generation;
  }

  private onFrame(generation: SocketGeneration, text: string): void {
    let message: ServerMessage;
    try {
      message = parseServerMessage(text);
    } catch (error) {
      // A frame we cannot read may have belonged to any lane: no stream on this socket can be trusted.
      const failure = ClientError.is(error) ? error : new ClientError('invalid_event', 'The server sent an unreadable frame.', { cause: error });
      this.failStreams(generation, failure);
      generation.socket?.terminate();
      return;
    }
    if (message.kind === 'ignored') return;
    const key = this.laneOf(message);
    const turn = this.lanes.get(key);
    if (turn && turn.epoch === generation.epoch) {
      turn.deliver(message);
      return;
    }
    if (message.kind === 'event' && isSteerEvent(message.event) && generation === this.current) {
      const held = this.held.get(key) ?? [];
      held.push(message.event);
      if (held.length > DEFAULT_MAX_HELD_STEER_EVENTS) held.shift();
      this.held.set(key, held);
    }
  }

  /**
   * The lane a message belongs to. Error frames without `stream_id` go to the default lane,
   * except the 404 a `response.cancel` may earn, which belongs to the lane that is cancelling.
   */
  private laneOf(message: Exclude<ServerMessage, { kind: 'ignored' }>): string {
    if (message.streamId !== undefined) return message.streamId;
    if (message.kind === 'error' && message.error.param === 'response_id') {
      for (const [key, turn] of this.lanes) if (turn.isCancelling) return key;
    }
    return DEFAULT_LANE;
  }

  private onSocketClosed(generation: SocketGeneration, error: ClientError): void {
    if (this.current === generation) {
      this.current = undefined;
      this.held.clear();
    }
    this.failStreams(generation, error);
  }

  private failStreams(generation: SocketGeneration, error: ClientError): void {
    for (const turn of [...this.lanes.values()]) if (turn.epoch === generation.epoch) turn.fail(error);
  }
}

function closedError(): ClientError {
  return new ClientError('connection_closed', 'The connection was closed by close().');
}

function socketGone(): ClientError {
  return new ClientError('connection_closed', 'The WebSocket closed before the request was sent.');
}
