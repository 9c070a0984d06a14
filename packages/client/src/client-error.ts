/**
 * Codes the client itself raises; server errors keep the server's `error.code` (any string), so
 * callers must tolerate codes outside this list.
 */
export type ClientErrorCode =
  | 'aborted' | 'connection_closed' | 'connect_failed' | 'connect_timeout' | 'busy' | 'steering_not_supported'
  | 'event_too_large' | 'invalid_event' | 'invalid_response' | 'invalid_stream_id' | 'http_error' | 'server_error';

const CLIENT_ERROR = Symbol.for('spark.ClientError');

export interface ClientErrorOptions {
  /** HTTP status, or the HTTP-equivalent `status` of a WebSocket error frame. */
  status?: number;
  param?: string | null;
  /** The server's `error.type` (`invalid_request_error`, `server_error`, ...). */
  type?: string;
  /** Response headers an error frame or HTTP answer carried (`retry-after`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** Every failure the client reports: a string code, the server's status and param when it sent them. */
export class ClientError extends Error {
  readonly [CLIENT_ERROR] = true;
  readonly code: ClientErrorCode | (string & {});
  readonly status?: number;
  readonly param?: string | null;
  readonly type?: string;
  readonly headers?: Record<string, string>;

  constructor(code: ClientErrorCode | (string & {}), message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Code that handles cancellation generically (`error.name === 'AbortError'`) sees our abort too.
    this.name = code === 'aborted' ? 'AbortError' : 'ClientError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.param !== undefined) this.param = options.param;
    if (options.type !== undefined) this.type = options.type;
    if (options.headers !== undefined) this.headers = options.headers;
  }

  /** Identity by brand, not `instanceof`: survives duplicated module copies. */
  static is(value: unknown): value is ClientError {
    return typeof value === 'object' && value !== null && (value as { [CLIENT_ERROR]?: unknown })[CLIENT_ERROR] === true;
  }
}

/** The error a stream throws when its caller aborted it and no terminal event ended it. */
export function abortedError(cause?: unknown): ClientError {
  return new ClientError('aborted', 'The request was aborted.', cause === undefined ? {} : { cause });
}
