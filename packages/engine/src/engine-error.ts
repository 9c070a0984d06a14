export type EngineErrorCode =
  | 'model_not_found'
  | 'model_load_failed'
  | 'context_length_exceeded'
  | 'invalid_request'
  | 'overloaded'
  | 'internal'
  /** An upstream refused for its rate limit (HTTP 429); `retryAfterMs` carries its `Retry-After`. */
  | 'rate_limited'
  /** An upstream refused the credentials Spark holds for it (HTTP 401/403): the operator's problem, not the client's. */
  | 'upstream_auth'
  /** An upstream failed, timed out or could not be reached (5xx, network); its message is kept, its key never. */
  | 'upstream_error';

const ENGINE_ERROR = Symbol.for('spark.EngineError');

/**
 * A failure inside an engine, with a code the server maps to a protocol error once.
 * `retryAfterMs`: when the engine knows how long to wait before trying again (an upstream's
 * `Retry-After`, a rate limit's reset); the server answers with a `Retry-After` header then.
 */
export class EngineError extends Error {
  readonly [ENGINE_ERROR] = true;
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown; param?: string; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.param = options?.param;
    this.retryAfterMs = options?.retryAfterMs;
  }

  readonly param: string | undefined;
  readonly retryAfterMs: number | undefined;

  static is(value: unknown): value is EngineError {
    return typeof value === 'object' && value !== null && (value as { [ENGINE_ERROR]?: unknown })[ENGINE_ERROR] === true;
  }
}
