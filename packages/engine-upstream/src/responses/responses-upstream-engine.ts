import { setTimeout as delay } from 'node:timers/promises';
import { ClientError, connectResponses, HTTP_ONLY_UPGRADE_STATUSES, type ClientEvent, type ResponsesConnection } from '@spark/client';
import {
  EngineError, type ConversationItem, type Engine, type EngineEvent, type EngineStats, type FinishReason, type GenerateRequest, type ModelInfo, type Usage,
} from '@spark/engine';
import { isRetryableFailure, parseRetryAfterMs, toUpstreamEngineError, type UpstreamFailure } from '../upstream-error.js';
import { backoffDelayMs, resolveUpstreamLimits, type UpstreamLimits } from '../upstream-limits.js';
import { callKinds, renderResponsesRequest } from './render-responses-request.js';
import { ResponsesEventReader } from './responses-event-reader.js';
import { ResponsesSocketPool, type SocketLease } from './responses-socket-pool.js';
import { readResponsesState, type ResponsesStateData, type SocketRef } from './responses-state.js';

/** A model the upstream serves, as configured (its id without the provider prefix). */
export interface UpstreamModel {
  id: string;
  contextSize: number;
  /** Generations the upstream runs at once for it; absent: the server's own cap applies. */
  sequences?: number;
}

export interface ResponsesUpstreamOptions {
  /** The provider id (`openai`, `spark2`): the engine's name and the prefix of its model ids. */
  name: string;
  /** As in the OpenAI SDK: `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; never echoed in an error. */
  apiKey?: string;
  models: readonly UpstreamModel[];
  /** 'websocket' (default): a pool of upstream sockets, falling back to HTTP on 426/404. */
  transport?: 'websocket' | 'http';
  /**
   * Ask the upstream to store responses (`store: true`). Needed to chain with
   * `previous_response_id` over HTTP; over WebSocket the upstream keeps them per connection
   * anyway. Default false: nothing is kept at the provider beyond the socket.
   */
  store?: boolean;
  /** Ask for `reasoning.encrypted_content` (OpenAI reasoning models with `store: false`). Default false. */
  encryptedReasoning?: boolean;
  /** False for upstream models that refuse `temperature`/`top_p`/`seed` (OpenAI's reasoning models). Default true. */
  sendSampling?: boolean;
  /**
   * Pass a request's `prediction` (Predicted Outputs) on: a Spark upstream takes it on the
   * Responses API, OpenAI's Responses API does not (only its Chat Completions does). Default:
   * true, except for OpenAI's own hosts (`api.openai.com`, `*.openai.azure.com`). When it is not
   * sent, the finish says so (`dropped: ['prediction']`); the output is the same either way.
   */
  sendPrediction?: boolean;
  limits?: Partial<UpstreamLimits>;
}

/** Key of this engine's finish metadata (the package's `ENGINE_UPSTREAM`; the index imports this file, not the reverse). */
const METADATA_KEY = 'upstream';

/** Why a try before the first event failed, and whether the next one should resend the history. */
interface AttemptFailure {
  failure: UpstreamFailure;
  chainLost: boolean;
}

/** A started upstream stream whose first event arrived. */
interface OpenedStream {
  iterator: AsyncIterator<ClientEvent>;
  first: ClientEvent;
  lease: SocketLease | undefined;
  connection: ResponsesConnection;
  chained: boolean;
  resent: boolean;
  transport: 'websocket' | 'http';
  /** An event arrived: the silence timeout starts over. */
  heard(): void;
  /** The idle timeout when silence cut the stream, else undefined. */
  silentFor(): number | undefined;
  /** Unlinks the attempt's signal from the caller's, and stops the silence timer. */
  detach(): void;
}

/**
 * An `Engine` over another Responses server (OpenAI, a second `spark serve`). The conversation
 * is rendered as Responses input items; the upstream's events come back as engine events. A
 * finish carries a state with the upstream's response id, so a warm chain sends only its new
 * items with `previous_response_id`; the state also holds the whole conversation, which is
 * resent when the chain is gone (`previous_response_not_found`, another socket).
 */
export class ResponsesUpstreamEngine implements Engine {
  readonly name: string;
  private readonly models: ReadonlyMap<string, UpstreamModel>;
  private readonly limits: UpstreamLimits;
  private transport: 'websocket' | 'http';
  private readonly pool: ResponsesSocketPool;
  private readonly sendPrediction: boolean;
  private http: ResponsesConnection | undefined;
  private active = 0;

  constructor(private readonly options: ResponsesUpstreamOptions) {
    this.name = options.name;
    this.models = new Map(options.models.map((model) => [`${options.name}/${model.id}`, model]));
    this.limits = resolveUpstreamLimits(options.limits);
    this.transport = options.transport ?? 'websocket';
    this.sendPrediction = options.sendPrediction ?? !isOpenAiHost(options.baseUrl);
    this.pool = new ResponsesSocketPool({
      open: (signal) => connectResponses(this.clientOptions('websocket'), { signal }),
      maxIdleSockets: this.limits.maxIdleSockets,
      socketIdleMs: this.limits.socketIdleMs,
    });
  }

  /** The transport generations use now ('http' after the upstream refused the WebSocket upgrade). */
  get currentTransport(): 'websocket' | 'http' {
    return this.transport;
  }

  listModels(): readonly ModelInfo[] {
    return [...this.models].map(([id, model]) => ({
      id, contextSize: model.contextSize, ownedBy: this.name, createdAt: 0,
      ...(model.sequences === undefined ? {} : { sequences: model.sequences }),
    }));
  }

  stats(): EngineStats {
    return { activeSequences: this.active };
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    const model = this.models.get(request.model);
    if (!model) throw new EngineError('model_not_found', `Unknown model ${request.model}`, { param: 'model' });
    let previous: ResponsesStateData | undefined;
    if (request.continueFrom) {
      previous = readResponsesState(request.continueFrom, this.name, request.model);
      if (!previous) throw new EngineError('invalid_request', 'continueFrom holds a state this engine did not produce for this model.');
    }
    return this.run(request, model, previous);
  }

  /** The downstream session ended: its upstream socket closes (now, or when its generation ends). */
  endSession(session: string): void {
    this.pool.endSession(session);
  }

  /** Upstream WebSockets open now (busy or idle), for tests and metrics. */
  get upstreamSockets(): number {
    return this.pool.size;
  }

  async dispose(): Promise<void> {
    await this.pool.close();
    await this.http?.close();
  }

  private async *run(request: GenerateRequest, model: UpstreamModel, previous: ResponsesStateData | undefined): AsyncGenerator<EngineEvent> {
    const conversation = [...(previous?.conversation ?? []), ...request.conversation];
    this.active += 1;
    let opened: OpenedStream | undefined;
    let healthy = false;
    try {
      if (request.prefillOnly && this.transport === 'http') {
        // Nothing to warm over HTTP without generating: a no-op that still completes.
        yield { type: 'prompt', inputTokens: 0, cachedInputTokens: 0 };
        yield this.finish('stop', ZERO_USAGE, request, { responseId: previous?.responseId, socket: previous?.socket, conversation }, undefined);
        healthy = true;
        return;
      }
      opened = await this.open(request, model, previous, conversation);
      if (!opened) {
        // Aborted before the upstream answered: nothing was produced.
        yield { type: 'prompt', inputTokens: 0, cachedInputTokens: 0 };
        yield this.finish('aborted', ZERO_USAGE, request, { responseId: undefined, socket: undefined, conversation }, undefined);
        return;
      }
      const reader = new ResponsesEventReader();
      yield { type: 'prompt', inputTokens: 0, cachedInputTokens: 0 };
      yield* reader.push(opened.first);
      let cut: unknown;
      while (!reader.terminal) {
        let next: IteratorResult<ClientEvent>;
        try {
          next = await opened.iterator.next();
        } catch (error) {
          cut = error;
          break;
        }
        if (next.done) break;
        opened.heard();
        yield* reader.push(next.value);
      }
      // A silence cut fails the generation even where the upstream then confirmed the cancel (WebSocket).
      const silentFor = opened.silentFor();
      if (silentFor !== undefined) throw toUpstreamEngineError(this.name, { message: `Upstream stream idle for ${silentFor} ms` }, this.options.apiKey);
      yield* reader.closeOpenCalls();
      const terminal = reader.terminal;
      if (terminal?.type === 'response.failed') {
        const error = terminal.response.error;
        throw toUpstreamEngineError(this.name, { message: error?.message ?? 'The upstream response failed.', ...(error?.code ? { code: error.code } : {}) }, this.options.apiKey);
      }
      if (!terminal && !request.signal.aborted) {
        throw toUpstreamEngineError(this.name, toFailure(cut ?? new Error('The upstream stream ended before its terminal event.')), this.options.apiKey);
      }
      healthy = terminal !== undefined;
      const reason: FinishReason = request.signal.aborted ? 'aborted'
        : terminal?.type === 'response.incomplete' && terminal.response.incomplete_details?.reason === 'max_output_tokens' ? 'length'
          : reader.calledTools ? 'tool_calls' : 'stop';
      // Over HTTP an abort leaves the upstream's copy of the response unknown: resend next time.
      const responseId = terminal ? reader.responseId : undefined;
      yield this.finish(reason, reader.usage(), request, { responseId, socket: opened.lease?.ref(), conversation: [...conversation, ...reader.output] }, opened);
    } finally {
      this.active -= 1;
      if (opened) {
        opened.detach();
        await opened.iterator.return?.().catch(() => undefined);
        if (opened.lease) this.pool.release(opened.lease.socket, healthy);
      }
    }
  }

  /**
   * Sends the request and waits for the upstream's first event, retrying (with backoff, honouring
   * `Retry-After`, at most `maxAttempts` tries) only while nothing has been produced. Resends the
   * whole conversation once when the upstream lost the chain. Undefined: the caller aborted.
   */
  private async open(
    request: GenerateRequest, model: UpstreamModel, previous: ResponsesStateData | undefined, conversation: readonly ConversationItem[],
  ): Promise<OpenedStream | undefined> {
    const calls = callKinds(conversation);
    let chainLost = false;
    let resent = false;
    for (let attempt = 1; ; attempt += 1) {
      if (request.signal.aborted) return undefined;
      const outcome = await this.tryOpen(request, model, previous, conversation, calls, chainLost);
      if ('iterator' in outcome) return { ...outcome, resent };
      if (request.signal.aborted) return undefined;
      if (outcome.chainLost && !chainLost) {
        // The upstream forgot the previous response (restarted, another socket): resend once, not a retry.
        chainLost = true;
        resent = true;
        attempt -= 1;
        continue;
      }
      const { failure } = outcome;
      const retryAfterMs = parseRetryAfterMs(failure.retryAfter);
      const retryable = isRetryableFailure(failure) && attempt < this.limits.maxAttempts
        && (retryAfterMs === undefined || retryAfterMs <= this.limits.maxRetryAfterMs);
      if (!retryable) throw toUpstreamEngineError(this.name, failure, this.options.apiKey);
      // An abort ends the wait early; the loop then sees the aborted signal.
      await delay(Math.max(retryAfterMs ?? 0, backoffDelayMs(attempt, this.limits.retryBaseMs, this.limits.maxRetryDelayMs)), undefined, { signal: request.signal }).catch(() => undefined);
    }
  }

  private async tryOpen(
    request: GenerateRequest, model: UpstreamModel, previous: ResponsesStateData | undefined, conversation: readonly ConversationItem[],
    calls: ReadonlyMap<string, 'function' | 'custom'>, chainLost: boolean,
  ): Promise<Omit<OpenedStream, 'resent'> | AttemptFailure> {
    const attempt = new AbortController();
    const onAbort = (): void => attempt.abort(request.signal.reason);
    request.signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; attempt.abort(); }, this.limits.connectTimeoutMs + this.limits.firstByteTimeoutMs);
    let lease: SocketLease | undefined;
    let iterator: AsyncIterator<ClientEvent> | undefined;
    try {
      const opened = await this.connection(previous?.socket, attempt.signal, request.session);
      const { connection } = opened;
      lease = opened.lease;
      // Chain only where the upstream still holds the previous response: its socket, or its store over HTTP.
      const chainable = previous?.responseId !== undefined && !chainLost
        && (connection.kind === 'http' ? this.options.store === true : lease?.affine === true);
      const params = renderResponsesRequest(request, chainable ? request.conversation : conversation, calls, {
        upstreamModel: model.id,
        ...(chainable && previous?.responseId ? { previousResponseId: previous.responseId } : {}),
        store: this.options.store ?? false,
        encryptedReasoning: this.options.encryptedReasoning ?? false,
        sendSampling: this.options.sendSampling ?? true,
        prefillOnly: request.prefillOnly === true,
        sendPrediction: this.sendPrediction,
      });
      iterator = connection.stream(params, { signal: attempt.signal })[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) throw new ClientError('connection_closed', 'The upstream stream ended before its first event.');
      clearTimeout(timer);
      // From here the caller's abort ends the stream, or a silence longer than the idle timeout.
      let silent = false;
      const silence = setTimeout(() => { silent = true; attempt.abort(); }, this.limits.idleTimeoutMs);
      return {
        iterator, first: first.value, lease, connection, chained: chainable, transport: connection.kind,
        heard: () => { silence.refresh(); },
        silentFor: () => (silent ? this.limits.idleTimeoutMs : undefined),
        detach: () => {
          clearTimeout(silence);
          request.signal.removeEventListener('abort', onAbort);
        },
      };
    } catch (error) {
      clearTimeout(timer);
      await iterator?.return?.().catch(() => undefined);
      if (lease) this.pool.release(lease.socket, false);
      request.signal.removeEventListener('abort', onAbort);
      const failure = timedOut
        ? { message: `No answer within ${this.limits.connectTimeoutMs + this.limits.firstByteTimeoutMs} ms (connect and first-byte timeouts).` }
        : toFailure(error);
      return { failure, chainLost: failure.code === 'previous_response_not_found' };
    }
  }

  /** A WebSocket from the pool (falling back to HTTP for good when the upgrade is refused), or the HTTP connection. */
  private async connection(prefer: SocketRef | undefined, signal: AbortSignal, session: string | undefined): Promise<{ connection: ResponsesConnection; lease?: SocketLease }> {
    if (this.transport === 'websocket') {
      try {
        const lease = await this.pool.acquire(prefer, signal, session);
        return { connection: lease.socket.connection, lease };
      } catch (error) {
        if (!ClientError.is(error) || error.status === undefined || !HTTP_ONLY_UPGRADE_STATUSES.has(error.status)) throw error;
        // The upstream speaks HTTP only (426, or a proxy's 404): stay on HTTP from now on.
        this.transport = 'http';
      }
    }
    this.http ??= await connectResponses(this.clientOptions('http'));
    return { connection: this.http };
  }

  private clientOptions(transport: 'websocket' | 'http'): Parameters<typeof connectResponses>[0] {
    return {
      baseUrl: this.options.baseUrl, transport, connectTimeoutMs: this.limits.connectTimeoutMs,
      ...(this.options.apiKey === undefined ? {} : { apiKey: this.options.apiKey }),
    };
  }

  /** The finish event, with the state a continuation chains on and where the generation went. */
  private finish(reason: FinishReason, usage: Usage, request: GenerateRequest, chain: Omit<ResponsesStateData, 'kind'>, opened: OpenedStream | undefined): EngineEvent {
    const data: ResponsesStateData = { kind: 'responses-upstream', ...chain };
    const { responseId } = chain;
    const dropped = request.prediction !== undefined && !this.sendPrediction && request.prefillOnly !== true;
    return {
      type: 'finish',
      reason,
      usage,
      state: { engine: this.name, model: request.model, data },
      ...(dropped ? { dropped: ['prediction'] } : {}),
      metadata: {
        [METADATA_KEY]: {
          provider: this.name,
          ...(responseId === undefined ? {} : { responseId }),
          ...(opened ? { transport: opened.transport, chained: opened.chained, resent: opened.resent } : {}),
        },
      },
    };
  }
}

/** OpenAI's own Responses hosts, which refuse fields they do not know (`prediction`). */
function isOpenAiHost(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname;
  } catch {
    return false;
  }
  return host === 'api.openai.com' || host.endsWith('.openai.azure.com');
}

const ZERO_USAGE: Usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };

/** A client's error as the upstream's refusal; a network failure has no status. */
function toFailure(error: unknown): UpstreamFailure {
  if (!ClientError.is(error)) return { message: error instanceof Error ? error.message : 'The upstream failed.' };
  const retryAfter = error.headers?.['retry-after'];
  return {
    ...(error.status === undefined ? {} : { status: error.status }),
    code: error.code,
    message: error.message,
    ...(error.param === undefined ? {} : { param: error.param }),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
}

