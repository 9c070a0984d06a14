/** The error body of every non-2xx HTTP answer: `{"error": {...}}` (spec §4.1). */
export interface ApiErrorBody {
  error: {
    message: string;
    type: ApiErrorType;
    param: string | null;
    code: string | null;
  };
}

export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'rate_limit_error' | 'server_error' | 'not_found_error';

const API_ERROR = Symbol.for('spark.ApiError');

/** A request-scoped failure with its HTTP status, mapped once at the transport boundary. */
export class ApiError extends Error {
  readonly [API_ERROR] = true;
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.headers = options?.headers ?? {};
  }

  readonly headers: Record<string, string>;

  /** Identity by brand, not `instanceof`: survives duplicated module copies. */
  static is(value: unknown): value is ApiError {
    return typeof value === 'object' && value !== null && (value as { [API_ERROR]?: unknown })[API_ERROR] === true;
  }

  toBody(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Shorthand constructors for the table in spec §4.2. */
export const apiErrors = {
  invalidJson: (): ApiError => new ApiError(400, 'invalid_request_error', null, 'The request body is not valid JSON.'),
  missing: (param: string): ApiError =>
    new ApiError(400, 'invalid_request_error', 'missing_required_parameter', `Missing required parameter: '${param}'.`, param),
  invalidType: (param: string, message: string): ApiError => new ApiError(400, 'invalid_request_error', 'invalid_type', message, param),
  invalidValue: (param: string, message: string): ApiError => new ApiError(400, 'invalid_request_error', 'invalid_value', message, param),
  modelNotFound: (model: string): ApiError =>
    new ApiError(404, 'invalid_request_error', 'model_not_found', `The model '${truncate(model)}' does not exist or is not loaded. See GET /v1/models.`, 'model'),
  previousResponseNotFound: (id: string): ApiError =>
    new ApiError(400, 'invalid_request_error', 'previous_response_not_found', `Previous response with id '${truncate(id)}' not found.`, 'previous_response_id'),
  responseNotFound: (id: string): ApiError =>
    new ApiError(404, 'invalid_request_error', null, `No response found with id '${truncate(id)}'.`),
  contextLengthExceeded: (message: string): ApiError =>
    new ApiError(400, 'invalid_request_error', 'context_length_exceeded', message, 'input'),
  invalidApiKey: (): ApiError => new ApiError(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect or missing API key. Send it as "Authorization: Bearer <key>".'),
  bodyTooLarge: (limit: number): ApiError =>
    new ApiError(413, 'invalid_request_error', 'request_too_large', `The request body exceeds the limit of ${limit} bytes.`),
  nestingTooDeep: (param: string, limit: number): ApiError =>
    new ApiError(400, 'invalid_request_error', 'json_nesting_too_deep',
      `The request nests JSON deeper than the limit of ${limit} levels (at '${truncate(param)}').`, param),
  schemaTooDeep: (param: string, limit: number): ApiError =>
    new ApiError(400, 'invalid_request_error', 'schema_too_deep',
      `The JSON schema in '${truncate(param)}' nests deeper than the limit of ${limit} levels.`, param),
  tooManyTools: (count: number, limit: number): ApiError =>
    new ApiError(400, 'invalid_request_error', 'too_many_tools',
      `The request declares ${count} tools (namespace members included); the limit is ${limit}.`, 'tools'),
  schemasTooLarge: (param: string, limit: number): ApiError =>
    new ApiError(400, 'invalid_request_error', 'schemas_too_large',
      `The request's tool schemas, grammars and text.format schema together exceed the limit of ${limit} characters (crossed at '${truncate(param)}').`, param),
  unsupportedMediaType: (): ApiError =>
    new ApiError(415, 'invalid_request_error', 'unsupported_media_type', 'Request bodies must be sent with "Content-Type: application/json".'),
  overloaded: (retryAfterSeconds: number): ApiError =>
    new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded', `The server is busy: all model slots are taken. Please try again in ${retryAfterSeconds}s.`, null, {
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  notFound: (path: string): ApiError => new ApiError(404, 'invalid_request_error', null, `Unknown route: ${truncate(path)}`),
  methodNotAllowed: (method: string): ApiError => new ApiError(405, 'invalid_request_error', null, `Method ${truncate(method)} is not allowed on this route.`),
  server: (message = 'The server had an error while processing your request.'): ApiError =>
    new ApiError(500, 'server_error', 'server_error', message),
};

/** Never echo long client payloads into messages. */
function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
