import type { Engine } from '@spark/engine';
import { ApiError, type ResponsePriority } from '@spark/protocol';
import { AdmissionQueue, type AdmissionClient, type AdmissionObserver, type AdmissionPermit } from './admission-queue.js';

export interface AdmissionOptions {
  /** Generations per model at once when its engine does not report its sequences; also a cap on those it reports. */
  maxConcurrentRequests: number;
  queueDepth: number;
  maxWaitMs: number;
  minRetryAfterSeconds: number;
  observer?: AdmissionObserver;
}

/** Totals over every model, for `/metrics`. */
export interface AdmissionSnapshot {
  inFlight: number;
  queued: number;
  slots: number;
}

/**
 * The one place that decides whether a generation runs now, waits, or is refused: one
 * `AdmissionQueue` per model, whose slots are the model's sequences (`ModelInfo.sequences`,
 * capped by `maxConcurrentRequests`), so the engine always has a free sequence for an admitted
 * request and its own queue never refuses. See docs/admission.md.
 */
export class Admission {
  private readonly queues = new Map<string, AdmissionQueue>();
  private closedWith: ApiError | undefined;

  constructor(private readonly options: AdmissionOptions) {}

  /**
   * Waits for a slot of `model` on `engine`. Rejects with a 429 `ApiError` (queue full, waited too
   * long), a 499 `request_cancelled` when `signal` aborts while waiting, or a 503 after `close`.
   * Foreground requests are admitted before waiting background ones.
   */
  async acquire(engine: Engine, model: string, client: AdmissionClient, signal?: AbortSignal, priority: ResponsePriority = 'foreground'): Promise<AdmissionPermit> {
    if (this.closedWith) throw this.closedWith;
    try {
      return await this.queueFor(engine, model).acquire(client, signal, priority);
    } catch (error) {
      if (signal?.aborted && !ApiError.is(error)) {
        throw new ApiError(499, 'invalid_request_error', 'request_cancelled', 'The request was cancelled while it waited for a model slot.', null, { cause: error });
      }
      throw error;
    }
  }

  /** Retry-After for a refusal outside the queue (a transport's own backlog bound), from `model`'s queue when known. */
  retryAfterSeconds(model: string | undefined): number {
    const queue = model === undefined ? undefined : this.queues.get(model);
    return queue?.retryAfterSeconds() ?? this.options.minRetryAfterSeconds;
  }

  snapshot(): AdmissionSnapshot {
    const totals: AdmissionSnapshot = { inFlight: 0, queued: 0, slots: 0 };
    for (const queue of this.queues.values()) {
      totals.inFlight += queue.inFlight;
      totals.queued += queue.queued;
      totals.slots += queue.slots;
    }
    return totals;
  }

  /** Server shutdown: refuses every waiting and every later request with 503. */
  close(): void {
    this.closedWith = new ApiError(503, 'server_error', 'server_shutting_down', 'The server is shutting down.');
    for (const queue of this.queues.values()) queue.close(this.closedWith);
  }

  private queueFor(engine: Engine, model: string): AdmissionQueue {
    // The resolver serves each model id from exactly one engine.
    let queue = this.queues.get(model);
    if (!queue) {
      const sequences = engine.listModels().find((info) => info.id === model)?.sequences;
      const { maxConcurrentRequests, queueDepth, maxWaitMs, minRetryAfterSeconds, observer } = this.options;
      queue = new AdmissionQueue({
        slots: Math.max(1, Math.min(sequences ?? maxConcurrentRequests, maxConcurrentRequests)),
        depth: queueDepth,
        maxWaitMs,
        minRetryAfterSeconds,
        ...(observer ? { observer } : {}),
      });
      this.queues.set(model, queue);
    }
    return queue;
  }
}
