/** What went wrong while finding, fetching or checking a model file. */
export type ModelRegistryErrorCode =
  | 'model_not_found'
  | 'model_corrupt'
  | 'checksum_mismatch'
  | 'download_failed'
  | 'network_error'
  | 'offline_unavailable'
  | 'pip_failed'
  | 'invalid_model_spec'
  | 'model_unsupported';

const MODEL_REGISTRY_ERROR = Symbol.for('spark.ModelRegistryError');

/** A model registry failure whose message already says what the user should do next. */
export class ModelRegistryError extends Error {
  readonly [MODEL_REGISTRY_ERROR] = true;
  constructor(
    readonly code: ModelRegistryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelRegistryError';
  }

  static is(value: unknown): value is ModelRegistryError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [MODEL_REGISTRY_ERROR]?: unknown })[MODEL_REGISTRY_ERROR] === true
    );
  }
}
