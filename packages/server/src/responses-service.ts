import { EngineError, type Engine, type EngineEvent, type GenerationState } from '@spark/engine';
import { ApiError, apiErrors, LoopGuard, type CreateResponseBody, type ResponseObject } from '@spark/protocol';
import type { Admission, AdmissionSnapshot } from './admission/admission.js';
import type { AdmissionClient, AdmissionPermit } from './admission/admission-queue.js';
import { buildGenerateRequest, type BuiltGenerateRequest, type ContinuationBase } from './build-generate-request.js';
import type { ContextItem } from './context-item.js';
import type { EngineResolver } from './engine-resolver.js';
import { GenerationTiming, type Metrics } from './metrics.js';
import { newId } from './new-id.js';
import { primeEvents, type PrimedEvents } from './prime-events.js';
import { resolveContext } from './resolve-context.js';
import { createResponseObject } from './response-object.js';
import { ResponseAbort, type AbortKind } from './response-abort.js';
import type { ResponseStore } from './response-store.js';
import type { Logger } from './server-options.js';
import { StreamResponse, type StreamEventBody, type TerminalEventBody } from './stream-response.js';
import { toApiError } from './to-api-error.js';

export interface ResponsesServiceOptions {
  resolver: EngineResolver;
  store: ResponseStore;
  metrics: Metrics;
  logger: Logger;
  defaultTemperature: number;
  /** Decides when each generation may start (docs/admission.md). */
  admission: Admission;
  retryAfterSeconds: number;
}

/** A previous response as a transport remembers it (a WebSocket connection's memory). */
export interface KnownResponse {
  /** Its full context: resolved input, then output items. */
  items: readonly ContextItem[];
  /** The engine state it finished with, when the engine reported one. */
  state?: GenerationState;
  /** The `promptKey` of its request: a state is continued only under the same prompt settings. */
  promptKey?: string;
}

export interface CreateResponseOptions {
  /** The transport's signal: its abort (client gone) interrupts the generation. */
  signal?: AbortSignal;
  /**
   * The `previous_response_id` response, already known to the transport: its context is used
   * instead of the store's, and its state is continued when the engine and prompt allow it.
   */
  previous?: KnownResponse;
  /** Responses `generate: false` (WebSocket warm-up): prefill the prompt, output nothing. */
  prefillOnly?: boolean;
  /**
   * Who asks, for fair admission: waiting requests are served round-robin between clients. One
   * per WebSocket connection, remote address and key over HTTP. Default: one shared client.
   */
  client?: AdmissionClient;
  /**
   * The downstream session (a WebSocket connection and lane) the generation belongs to, passed
   * to the engine (`GenerateRequest.session`) so an upstream keeps its socket per session. HTTP
   * leaves it unset. `endSessions` ends it.
   */
  session?: string;
}

/** One accepted generation, owned by the transport that created it. */
export interface ResponseRun {
  readonly id: string;
  /** The full resolved context the response was generated from (what `input_items` lists). */
  readonly inputItems: readonly ContextItem[];
  /** Prompt settings other than the conversation; see `buildGenerateRequest`. */
  readonly promptKey: string;
  /** True when the engine continued `previous.state` and received only the new items. */
  readonly continued: boolean;
  /** The engine state the generation finished with; set once the terminal event was yielded. */
  generationState(): GenerationState | undefined;
  /**
   * The stream events, unnumbered (the transport stamps `sequence_number` as it writes them), for
   * exactly one consumer. Leaving the loop early interrupts the generation; the partial response
   * is still stored (when `store` is true).
   */
  readonly events: AsyncIterable<StreamEventBody>;
  /** Settles with the final response, after it was stored. */
  readonly finished: Promise<ResponseObject>;
  /** Stops the generation within one token; the first reason given wins. */
  abort(kind: AbortKind): void;
}

interface RunState {
  id: string;
  /** Aborted with a `ResponseAbort`, whose kind the stream's finish reports. */
  controller: AbortController;
  snapshot: ResponseObject;
  inputItems: readonly ContextItem[];
  settled: boolean;
  resolveFinished: (response: ResponseObject) => void;
  finished: Promise<ResponseObject>;
  detach: () => void;
  generationState: GenerationState | undefined;
  /** The admission slot, handed back once the engine finished (the run's events ended). */
  permit: AdmissionPermit;
  /** Times the generation for /metrics; set once the run is admitted. */
  timing: GenerationTiming | undefined;
  loopGuard: LoopGuard | undefined;
}

/**
 * Creates, tracks, cancels and stores responses, independent of the transport (HTTP JSON and
 * SSE, WebSocket). Validation happens in `create`, which resolves only once the
 * engine accepted the request (its first event), so every error before that is an `ApiError`.
 */
export class ResponsesService {
  private readonly runs = new Map<string, RunState>();
  /** `model field` pairs already logged as dropped, so the log says it once per model. */
  private readonly droppedLogged = new Set<string>();

  constructor(private readonly options: ResponsesServiceOptions) {}

  /** Generations admitted and not yet finished. */
  get inFlight(): number {
    return this.options.admission.snapshot().inFlight;
  }

  /** Admission totals: in flight, waiting, slots. */
  admissionSnapshot(): AdmissionSnapshot {
    return this.options.admission.snapshot();
  }

  /** `Retry-After` seconds for a transport's own refusal (a WebSocket connection's backlog), from the model's queue. */
  retryAfterSeconds(model: string | undefined): number {
    return this.options.admission.retryAfterSeconds(model);
  }

  /** The in-progress snapshot of a response this server is generating, if any. */
  inFlightSnapshot(id: string): ResponseObject | undefined {
    return this.runs.get(id)?.snapshot;
  }

  /**
   * Validates the request, resolves its context and starts the engine. `options.signal` is the
   * transport's: its abort (client gone) interrupts the generation.
   */
  async create(body: CreateResponseBody, options: CreateResponseOptions = {}): Promise<ResponseRun> {
    const { signal, previous, prefillOnly, client = SHARED_CLIENT, session } = options;
    if (body.background) {
      throw new ApiError(400, 'invalid_request_error', 'unsupported_parameter', "Background responses are not supported by this server: omit 'background' or set it to false.", 'background');
    }
    if (body.input === undefined && !body.previous_response_id) throw apiErrors.missing('input');
    const engine = this.options.resolver.engineFor(body.model);
    if (!engine) throw apiErrors.modelNotFound(body.model);
    const startedAt = performance.now();
    let permit: AdmissionPermit | undefined;
    try {
      const context = await resolveContext(body, this.options.store, previous?.items);
      const controller = new AbortController();
      const continueFrom = continuationBase(previous, engine, body.model);
      const build = (from: ContinuationBase | undefined): BuiltGenerateRequest => buildGenerateRequest(body, context, {
        defaultTemperature: this.options.defaultTemperature,
        signal: controller.signal,
        ...(from ? { continueFrom: from } : {}),
        ...(prefillOnly ? { prefillOnly: true } : {}),
        ...(session === undefined ? {} : { session }),
      });
      let built = build(continueFrom);
      const { toolSet } = built;
      // Waits (or is refused) only after the request proved valid: a bad one hears so at once.
      permit = await this.options.admission.acquire(engine, body.model, client, signal, body.priority ?? 'foreground');
      const state = this.newRunState(createResponseObject(body, newId('resp'), Math.floor(Date.now() / 1000)), context, controller, permit);
      state.timing = new GenerationTiming(this.options.metrics, startedAt);
      if (body.loop_guard === true) state.loopGuard = new LoopGuard();
      const onTransportAbort = (): void => abortRun(state, 'interrupted');
      if (signal?.aborted) abortRun(state, 'interrupted');
      signal?.addEventListener('abort', onTransportAbort, { once: true });
      state.detach = () => signal?.removeEventListener('abort', onTransportAbort);
      let primed: PrimedEvents<EngineEvent>;
      try {
        try {
          primed = await primeEvents(engine.generate(built.request));
        } catch (error) {
          // An engine that can no longer continue a state (say, its sequence was recycled) refuses it
          // before any work: render the whole conversation instead, so the client never sees it.
          if (!built.continued || !EngineError.is(error) || error.code !== 'invalid_request') throw error;
          this.options.logger.warn(`engine ${engine.name} refused a continuation state (${error.message}); rendering the full conversation`);
          built = build(undefined);
          primed = await primeEvents(engine.generate(built.request));
        }
      } catch (error) {
        state.detach();
        throw error;
      }
      this.runs.set(state.id, state);
      const stream = new StreamResponse({ response: state.snapshot, signal: controller.signal, toolOrigin: toolSet.origin });
      return {
        id: state.id,
        inputItems: context,
        promptKey: built.promptKey,
        continued: built.continued,
        generationState: () => state.generationState,
        events: this.drive(state, primed, stream),
        finished: state.finished,
        abort: (kind) => abortRun(state, kind),
      };
    } catch (error) {
      permit?.release();
      throw toApiError(error, this.options.retryAfterSeconds);
    }
  }

  /**
   * Cancels an in-flight response this server owns and answers with its final state
   * (`cancelled`, or whatever it reached first); a finished stored response is returned as is.
   */
  async cancel(id: string): Promise<ResponseObject> {
    const run = this.runs.get(id);
    if (run) {
      abortRun(run, 'cancelled');
      return run.finished;
    }
    const stored = await this.options.store.get(id);
    if (!stored) throw apiErrors.responseNotFound(id);
    return stored.response;
  }

  /** Tells every engine that these sessions ended (their WebSocket connection closed), so an upstream frees their sockets. */
  endSessions(sessions: Iterable<string>): void {
    for (const session of sessions) {
      for (const engine of this.options.resolver.engines()) {
        try {
          engine.endSession?.(session);
        } catch (error) {
          this.options.logger.error(`engine ${engine.name} endSession: ${describe(error)}`);
        }
      }
    }
  }

  /** Interrupts every in-flight generation and waits (up to `graceMs`) for them to be stored. */
  async shutdown(graceMs: number): Promise<void> {
    this.options.admission.close();
    const pending = [...this.runs.values()];
    for (const run of pending) abortRun(run, 'interrupted');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending.map((run) => run.finished)),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); timer.unref(); }),
    ]);
    clearTimeout(timer);
  }

  private newRunState(snapshot: ResponseObject, inputItems: readonly ContextItem[], controller: AbortController, permit: AdmissionPermit): RunState {
    let resolveFinished: (response: ResponseObject) => void = () => undefined;
    const finished = new Promise<ResponseObject>((resolve) => { resolveFinished = resolve; });
    return {
      id: snapshot.id, controller, snapshot, inputItems, settled: false, resolveFinished, finished,
      detach: () => undefined, generationState: undefined, permit, timing: undefined, loopGuard: undefined,
    };
  }

  /**
   * The one generator a token passes through in the gateway, for the run's one consumer: reads
   * the engine's events, observes each (`observe`), maps it to stream events (`StreamResponse`)
   * and yields those. The terminal event is yielded only after the response was stored, so a
   * client that chains on `response.completed` finds it. A consumer that leaves early interrupts
   * the engine, and the rest is read here to store the partial response.
   */
  private async *drive(run: RunState, source: PrimedEvents<EngineEvent>, stream: StreamResponse): AsyncGenerator<StreamEventBody, void, undefined> {
    const batch: StreamEventBody[] = [];
    let terminal: TerminalEventBody | undefined;
    try {
      stream.start(batch);
      for (;;) {
        for (let index = 0; index < batch.length; index += 1) yield batch[index] as StreamEventBody;
        batch.length = 0;
        // `readNext` inlined: this loop runs once per token, and an async call costs a promise.
        let next: IteratorResult<EngineEvent>;
        try {
          next = await source.next();
        } catch (error) {
          this.engineFailed(stream, error);
          break;
        }
        if (this.accept(run, next, stream, batch)) break;
      }
      // The engine is done: close it now, so it hands its sequence back before the terminal event goes out.
      await source.return();
      terminal = stream.end(batch);
      for (let index = 0; index < batch.length; index += 1) yield batch[index] as StreamEventBody;
      await this.settle(run, terminal.response);
      yield terminal;
    } finally {
      try {
        if (!terminal) {
          abortRun(run, 'interrupted');
          const rest: StreamEventBody[] = [];
          while (!(await this.readNext(run, source, stream, rest))) rest.length = 0;
          terminal = stream.end(rest);
        }
        await this.settle(run, terminal.response);
      } catch (error) {
        this.options.logger.error(`response ${run.id}: ${describe(error)}`);
        await this.settle(run, { ...run.snapshot, status: 'failed', error: { code: 'server_error', message: 'The response ended unexpectedly.' } });
      } finally {
        await source.return().catch((error: unknown) => this.options.logger.error(`response ${run.id}: ${describe(error)}`));
        // Only now has the engine given its sequence back: the next admitted request finds it free.
        run.permit.release();
      }
    }
  }

  /**
   * Reads the engine's next event, observes it and maps it into `batch`. Returns true once the
   * stream has its end: the engine finished, failed or stopped without a `finish`.
   */
  private async readNext(run: RunState, source: PrimedEvents<EngineEvent>, stream: StreamResponse, batch: StreamEventBody[]): Promise<boolean> {
    let next: IteratorResult<EngineEvent>;
    try {
      next = await source.next();
    } catch (error) {
      this.engineFailed(stream, error);
      return true;
    }
    return this.accept(run, next, stream, batch);
  }

  /** Observes and maps one read of the engine's stream; true once the stream has its end. */
  private accept(run: RunState, next: IteratorResult<EngineEvent>, stream: StreamResponse, batch: StreamEventBody[]): boolean {
    if (next.done === true) return true;
    this.observe(run, next.value);
    return stream.push(next.value, batch);
  }

  /** An engine left request fields out (a prediction its upstream does not take): say so once per model and field. */
  private logDropped(model: string, fields: readonly string[]): void {
    for (const field of fields) {
      const key = `${model} ${field}`;
      if (this.droppedLogged.has(key)) continue;
      this.droppedLogged.add(key);
      this.options.logger.warn(`model ${model} does not take '${field}': it is left out of its requests`);
    }
  }

  private engineFailed(stream: StreamResponse, error: unknown): void {
    this.options.logger.error(`engine failed mid-response: ${describe(error)}`);
    stream.fail(error);
  }

  private async settle(state: RunState, final: ResponseObject): Promise<void> {
    if (state.settled) return;
    state.settled = true;
    state.detach();
    if (final.store) {
      try {
        await this.options.store.put({ response: final, inputItems: state.inputItems });
      } catch (error) {
        this.options.logger.error(`could not store response ${state.id}: ${describe(error)}`);
      }
    }
    this.runs.delete(state.id);
    state.resolveFinished(final);
  }

  /**
   * Records time to first token, decode speed and the final engine state as events pass; with a
   * loop guard, stops a generation whose text loops.
   */
  private observe(run: RunState, event: EngineEvent): void {
    run.timing?.observe(event);
    if (event.type === 'text-delta' && run.loopGuard?.push(event.delta) !== undefined) abortRun(run, 'repetition');
    if (event.type === 'finish') {
      run.generationState = event.state;
      if (event.dropped) this.logDropped(run.snapshot.model, event.dropped);
    }
  }
}

/**
 * The previous response's state when this engine can continue it: the previous finish carried a
 * state (an engine that cannot continue never returns one) and this engine produced it for the
 * same model. `buildGenerateRequest` still checks the prompt settings.
 */
function continuationBase(previous: KnownResponse | undefined, engine: Engine, model: string): ContinuationBase | undefined {
  const state = previous?.state;
  if (!previous || !state || previous.promptKey === undefined) return undefined;
  if (state.engine !== engine.name || state.model !== model) return undefined;
  return { state, itemCount: previous.items.length, promptKey: previous.promptKey };
}

/** The admission client of requests that name none. */
const SHARED_CLIENT = 'shared';

/** Stops the run's generation; the first reason given wins (a signal aborts once). */
function abortRun(state: RunState, kind: AbortKind): void {
  state.controller.abort(new ResponseAbort(kind));
}


function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
