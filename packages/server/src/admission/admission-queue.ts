import { ApiError, type ResponsePriority } from '@spark/protocol';

/** Requests that may wait for a model slot, per model, before new ones are refused with 429 (Ollama's OLLAMA_MAX_QUEUE is 512 too). */
export const DEFAULT_ADMISSION_QUEUE_DEPTH = 512;
/** Longest a request waits for a model slot before it is refused with 429 (Codex's stream idle timeout is 300 s). */
export const DEFAULT_ADMISSION_MAX_WAIT_MS = 300_000;
/** Largest `Retry-After` the queue ever suggests: a longer estimate is a guess, not a promise. */
export const MAX_RETRY_AFTER_SECONDS = 60;
/** Weight of the newest service time in the running average behind `Retry-After`. */
const SERVICE_TIME_WEIGHT = 0.2;

/**
 * Who is asking: one WebSocket connection (its object), or a string for an HTTP client (remote
 * address and key). Waiting requests are served round-robin between clients.
 */
export type AdmissionClient = string | object;

/** A granted slot; `release` (idempotent) hands it to the next waiter. */
export interface AdmissionPermit {
  /** Seconds the request waited for its slot. */
  readonly waitedSeconds: number;
  release(): void;
}

/** Why a request was not admitted (the `reason` label of `spark_admission_refused_total`). */
export type RefusalReason = 'queue_full' | 'wait_limit';

/** What an admission queue reports as it works (metrics). */
export interface AdmissionObserver {
  waited(seconds: number): void;
  refused(reason: RefusalReason): void;
}

export interface AdmissionQueueOptions {
  /** Requests that run at once: the model's sequences. */
  slots: number;
  /** Requests that may wait (0: refuse as soon as every slot is taken). */
  depth: number;
  maxWaitMs: number;
  /** Smallest `Retry-After` in seconds (also the answer before any request has finished). */
  minRetryAfterSeconds: number;
  observer?: AdmissionObserver;
}

interface Waiter {
  readonly client: AdmissionClient;
  readonly priority: ResponsePriority;
  readonly since: number;
  grant(): void;
  refuse(error: Error): void;
}

/**
 * The slots of one model and the requests waiting for them. A request runs at once while a slot
 * is free and nobody waits; otherwise it waits, and freed slots go round-robin over the waiting
 * clients (each client's own requests first-in-first-out), so a client with many requests
 * cannot starve one with a single request. Refuses with 429 only when `depth` requests already
 * wait, or after `maxWaitMs`; `Retry-After` comes from the recent average time a request holds
 * its slot. A waiter whose signal aborts leaves the queue at once. Foreground requests are
 * admitted before background ones (`priority`, a Spark extension): a background agent's next
 * step never holds up the turn the user watches; round-robin holds within each priority.
 */
export class AdmissionQueue {
  /** Waiting requests per priority and client; each map's order is its round-robin order. */
  private readonly waitingBy: Record<ResponsePriority, Map<AdmissionClient, Waiter[]>> = { foreground: new Map(), background: new Map() };
  private waitingCount = 0;
  private running = 0;
  private averageServiceMs: number | undefined;
  private closedWith: ApiError | undefined;

  constructor(private readonly options: AdmissionQueueOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) throw new RangeError(`admission slots must be a positive integer, got ${options.slots}`);
  }

  get slots(): number {
    return this.options.slots;
  }

  /** Requests holding a slot. */
  get inFlight(): number {
    return this.running;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waitingCount;
  }

  /**
   * Resolves with a permit once a slot is this request's. Rejects with a 429 `ApiError` when the
   * queue is full or the wait limit passed, with `signal.reason` when the signal aborts first, and
   * with the closing error after `close`.
   */
  acquire(client: AdmissionClient, signal?: AbortSignal, priority: ResponsePriority = 'foreground'): Promise<AdmissionPermit> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const since = performance.now();
    if (this.waitingCount === 0 && this.running < this.options.slots) return Promise.resolve(this.lend(since));
    if (this.waitingCount >= this.options.depth) {
      this.options.observer?.refused('queue_full');
      const retry = this.retryAfterSeconds();
      return Promise.reject(tooBusy(`${this.waitingCount} requests are already waiting for ${this.options.slots} model slots (queue limit ${this.options.depth})`, retry));
    }
    return new Promise<AdmissionPermit>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        client,
        priority,
        since,
        grant: () => { cleanup(); resolve(this.lend(since)); },
        refuse: (error) => { cleanup(); reject(error); },
      };
      const onAbort = (): void => {
        if (this.remove(waiter)) waiter.refuse(abortReason(signal));
      };
      const timer = setTimeout(() => {
        if (!this.remove(waiter)) return;
        this.options.observer?.refused('wait_limit');
        waiter.refuse(tooBusy(`the request waited ${formatSeconds(this.options.maxWaitMs)} for a model slot (limit)`, this.retryAfterSeconds()));
      }, this.options.maxWaitMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiting = this.waitingBy[priority];
      const line = waiting.get(client);
      if (line) line.push(waiter);
      else waiting.set(client, [waiter]);
      this.waitingCount += 1;
    });
  }

  /**
   * Seconds a request arriving now would likely wait: the average slot holding time times the
   * requests ahead of it per slot, at least `minRetryAfterSeconds`, at most MAX_RETRY_AFTER_SECONDS.
   */
  retryAfterSeconds(): number {
    const floor = this.options.minRetryAfterSeconds;
    if (this.averageServiceMs === undefined) return floor;
    const estimate = Math.ceil((this.averageServiceMs * (this.waitingCount + 1)) / this.options.slots / 1000);
    return Math.min(Math.max(floor, estimate), Math.max(floor, MAX_RETRY_AFTER_SECONDS));
  }

  /** Refuses every waiter and every later request with `error` (server shutdown); running requests keep their slots. */
  close(error: ApiError): void {
    this.closedWith = error;
    const waiters = [...this.waitingBy.foreground.values(), ...this.waitingBy.background.values()].flat();
    this.waitingBy.foreground.clear();
    this.waitingBy.background.clear();
    this.waitingCount = 0;
    for (const waiter of waiters) waiter.refuse(error);
  }

  private lend(since: number): AdmissionPermit {
    this.running += 1;
    const grantedAt = performance.now();
    const waitedSeconds = (grantedAt - since) / 1000;
    this.options.observer?.waited(waitedSeconds);
    let released = false;
    return {
      waitedSeconds,
      release: () => {
        if (released) return;
        released = true;
        this.running -= 1;
        const served = performance.now() - grantedAt;
        this.averageServiceMs = this.averageServiceMs === undefined ? served : this.averageServiceMs + SERVICE_TIME_WEIGHT * (served - this.averageServiceMs);
        this.grantWaiting();
      },
    };
  }

  /** Hands free slots to waiters: foreground first; the first client in round-robin order, which then goes to the back. */
  private grantWaiting(): void {
    while (this.running < this.options.slots && !this.closedWith) {
      const waiting = this.waitingBy.foreground.size > 0 ? this.waitingBy.foreground : this.waitingBy.background;
      const next = waiting.entries().next();
      if (next.done) return;
      const [client, line] = next.value;
      const waiter = line.shift();
      waiting.delete(client);
      if (line.length > 0) waiting.set(client, line);
      if (!waiter) continue;
      this.waitingCount -= 1;
      waiter.grant();
    }
  }

  /** Takes a waiter out of the queue; false when it already left (granted, refused, aborted). */
  private remove(waiter: Waiter): boolean {
    const waiting = this.waitingBy[waiter.priority];
    const line = waiting.get(waiter.client);
    const index = line?.indexOf(waiter) ?? -1;
    if (!line || index < 0) return false;
    line.splice(index, 1);
    if (line.length === 0) waiting.delete(waiter.client);
    this.waitingCount -= 1;
    return true;
  }
}

function tooBusy(why: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded', `The server is busy: ${why}. Please try again in ${retryAfterSeconds}s.`, null, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The request was aborted while it waited for a model slot.', { cause: reason });
  error.name = 'AbortError';
  return error;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`;
}
