import type { EngineEvent } from '@spark/engine';
import { apiErrors, type ChatCompletionBody } from '@spark/protocol';
import type { Admission } from '../admission/admission.js';
import type { AdmissionClient, AdmissionPermit } from '../admission/admission-queue.js';
import type { EngineResolver } from '../engine-resolver.js';
import { GenerationTiming, type Metrics } from '../metrics.js';
import { primeEvents, type PrimedEvents } from '../prime-events.js';
import type { Logger } from '../server-options.js';
import { toApiError } from '../to-api-error.js';
import { chatToGenerateRequest } from './chat-to-generate-request.js';

export interface ChatCompletionsServiceOptions {
  resolver: EngineResolver;
  /** The server's one admission, shared with /v1/responses: a model's slots are its slots, whichever API asks. */
  admission: Admission;
  metrics: Metrics;
  logger: Logger;
  defaultTemperature: number;
  retryAfterSeconds: number;
}

/** One admitted generation of a Chat Completions request, for exactly one consumer. */
export interface ChatRun {
  /** The engine's events, observed (TTFT, decode speed); leaving the loop early stops the engine and frees the slot. */
  readonly events: AsyncIterable<EngineEvent>;
  /** Stops the generation within one token (a `stop` sequence was reached). */
  stop(): void;
}

/**
 * Starts Chat Completions generations on any engine, through the same admission, engine
 * resolver and metrics as /v1/responses. Nothing is stored: Chat Completions is stateless, and
 * the embedded engine's prefix pool is what spares a client's resent history its prefill.
 * `start` resolves once the engine accepted the request (its first event), so every error
 * before that is an `ApiError` the route answers with an HTTP status.
 */
export class ChatCompletionsService {
  private readonly running = new Set<AbortController>();

  constructor(private readonly options: ChatCompletionsServiceOptions) {}

  async start(body: ChatCompletionBody, signal: AbortSignal, client: AdmissionClient): Promise<ChatRun> {
    const engine = this.options.resolver.engineFor(body.model);
    if (!engine) throw apiErrors.modelNotFound(body.model);
    const startedAt = performance.now();
    const controller = new AbortController();
    const request = chatToGenerateRequest(body, { defaultTemperature: this.options.defaultTemperature, signal: controller.signal });
    let permit: AdmissionPermit | undefined;
    const onTransportAbort = (): void => controller.abort();
    try {
      // Waits (or is refused) only after the request proved valid: a bad one hears so at once.
      permit = await this.options.admission.acquire(engine, body.model, client, signal);
      if (signal.aborted) controller.abort();
      signal.addEventListener('abort', onTransportAbort, { once: true });
      this.running.add(controller);
      const primed = await primeEvents(engine.generate(request));
      return { events: this.observe(primed, new GenerationTiming(this.options.metrics, startedAt), permit, controller, () => this.forget(controller, signal, onTransportAbort)), stop: () => controller.abort() };
    } catch (error) {
      this.forget(controller, signal, onTransportAbort);
      permit?.release();
      throw toApiError(error, this.options.retryAfterSeconds);
    }
  }

  /** Server shutdown: stops every running generation (admission itself is closed by the Responses service). */
  shutdown(): void {
    for (const controller of this.running) controller.abort();
  }

  private forget(controller: AbortController, signal: AbortSignal, onTransportAbort: () => void): void {
    signal.removeEventListener('abort', onTransportAbort);
    this.running.delete(controller);
  }

  /** The engine's events as they pass, timed as /v1/responses times them; the slot is handed back only once the engine closed. */
  private async *observe(
    source: PrimedEvents<EngineEvent>, timing: GenerationTiming, permit: AdmissionPermit, controller: AbortController, done: () => void,
  ): AsyncGenerator<EngineEvent, void, undefined> {
    let finished = false;
    try {
      for (;;) {
        const next = await source.next();
        if (next.done === true) { finished = true; return; }
        const event = next.value;
        timing.observe(event);
        yield event;
      }
    } finally {
      // A consumer that left early (client gone): stop the engine before closing it.
      if (!finished) controller.abort();
      done();
      try {
        await source.return();
      } catch (error) {
        this.options.logger.error(`chat completion: the engine failed to close: ${error instanceof Error ? error.message : 'unknown error'}`);
      } finally {
        permit.release();
      }
    }
  }
}
