export type EngineErrorCode =
  | 'model_not_found'
  | 'model_load_failed'
  | 'context_length_exceeded'
  | 'invalid_request'
  | 'overloaded'
  | 'internal';

const ENGINE_ERROR = Symbol.for('spark.EngineError');

/** A failure inside an engine, with a code the server maps to a protocol error once. */
export class EngineError extends Error {
  readonly [ENGINE_ERROR] = true;
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown; param?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.param = options?.param;
  }

  readonly param: string | undefined;

  static is(value: unknown): value is EngineError {
    return typeof value === 'object' && value !== null && (value as { [ENGINE_ERROR]?: unknown })[ENGINE_ERROR] === true;
  }
}
