import { EngineError } from '@spark/engine';
import { ApiError, apiErrors, type ResponseError } from '@spark/protocol';

/**
 * Maps any failure before the first SSE byte to the HTTP error of spec §4.2, once. Unknown
 * errors become a generic 500 whose message reveals nothing; the caller logs the detail. An
 * engine's retry hint (`retryAfterMs`) becomes `Retry-After` (and the WebSocket error frame's
 * `headers`); an `overloaded` engine without one gets the server's `retryAfterSeconds`.
 */
export function toApiError(error: unknown, retryAfterSeconds: number): ApiError {
  if (ApiError.is(error)) return error;
  if (!EngineError.is(error)) return serverError(error);
  const hint = error.retryAfterMs === undefined ? undefined : retryAfterHeaderSeconds(error.retryAfterMs);
  const options = { cause: error, ...(hint === undefined ? {} : { headers: { 'retry-after': String(hint) } }) };
  switch (error.code) {
    case 'model_not_found':
      return new ApiError(404, 'invalid_request_error', 'model_not_found', error.message, error.param ?? 'model', options);
    case 'context_length_exceeded':
      return new ApiError(400, 'invalid_request_error', 'context_length_exceeded', error.message, error.param ?? 'input', options);
    case 'invalid_request':
      return new ApiError(400, 'invalid_request_error', 'invalid_value', error.message, error.param ?? null, options);
    case 'overloaded':
      return apiErrors.overloaded(hint ?? retryAfterSeconds);
    case 'rate_limited':
      return new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded', error.message, null, {
        cause: error, headers: { 'retry-after': String(hint ?? retryAfterSeconds) },
      });
    // An upstream's failure is the gateway's (502, as a proxy answers), not the client's request.
    case 'upstream_auth':
      return new ApiError(502, 'server_error', 'upstream_auth_failed', error.message, null, options);
    case 'upstream_error':
      return new ApiError(502, 'server_error', 'upstream_error', error.message, null, options);
    case 'model_load_failed':
    case 'internal':
      return serverError(error, options.headers);
    default: {
      const unreachable: never = error.code;
      return unreachable;
    }
  }
}

/** Whole seconds for `Retry-After` (RFC 9110 delay-seconds), rounded up, at least 1. */
export function retryAfterHeaderSeconds(retryAfterMs: number): number | undefined {
  if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) return undefined;
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/** A 500 whose message reveals nothing; the original stays as `cause` for the log. */
function serverError(cause: unknown, headers?: Record<string, string>): ApiError {
  return new ApiError(500, 'server_error', 'server_error', 'The server had an error while processing your request.', null, { cause, ...(headers ? { headers } : {}) });
}

/** The `response.error` of a response that failed after streaming began (spec §4.3). */
export function toResponseError(error: unknown): ResponseError {
  if (EngineError.is(error) && error.code === 'context_length_exceeded') {
    return { code: 'context_length_exceeded', message: error.message };
  }
  return { code: 'server_error', message: 'The model failed while generating the response.' };
}

/** The HTTP error a non-streaming request answers with when its response failed. */
export function responseErrorToApiError(error: ResponseError): ApiError {
  if (error.code === 'context_length_exceeded') return apiErrors.contextLengthExceeded(error.message);
  return apiErrors.server(error.message);
}

/** Whether a failure is worth an error log line (client mistakes are not). */
export function isServerFault(error: ApiError): boolean {
  return error.status >= 500;
}
