import { ApiError } from '@spark/protocol';

/**
 * An error in Chat Completions' terms: the same `{error: {message, type, param, code}}` body and
 * status as /v1/responses, with `param` naming the Chat Completions field where the engine or
 * the shared code named the Responses one (`input` -> `messages`).
 */
export function toChatApiError(error: ApiError): ApiError {
  const param = chatParam(error.param);
  if (param === error.param) return error;
  return new ApiError(error.status, error.type, error.code, error.message, param, { cause: error, headers: error.headers });
}

function chatParam(param: string | null): string | null {
  if (param === null) return null;
  if (param === 'input' || param.startsWith('input[') || param.startsWith('input.')) return `messages${param.slice('input'.length)}`;
  if (param.startsWith('text.format.schema')) return `response_format.json_schema.schema${param.slice('text.format.schema'.length)}`;
  return param;
}

/** The one refusal of a generation the server stopped on its way down. */
export function shuttingDown(): ApiError {
  return new ApiError(503, 'server_error', 'server_shutting_down', 'The server is shutting down.');
}
