import {
  ApiError, apiErrors, chatCompletionRequestSchema, issueToApiError, MAX_SCHEMA_DEPTH, MAX_TOOLS, MAX_TOTAL_SCHEMA_CHARS, nestsDeeperThan,
  parseSimpleChatRequest, type ChatCompletionBody,
} from '@spark/protocol';

/**
 * Parses an untrusted `POST /v1/chat/completions` body, or throws an `ApiError` in OpenAI's shape
 * whose `param` names the field (`messages[2].tool_call_id`). Holds the request to the same
 * limits as a Responses request (`request-limits.ts`): tool count, schema depth, schema size.
 */
export function parseChatRequest(body: unknown): ChatCompletionBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw apiErrors.invalidType('body', 'The request body must be a JSON object.');
  }
  const record = body as Record<string, unknown>;
  if (record['model'] === undefined || record['model'] === null) throw apiErrors.missing('model');
  if (record['messages'] === undefined || record['messages'] === null) throw apiErrors.missing('messages');
  // A simple body (string messages, scalar settings) skips zod, which costs more than the rest of
  // the request's way to the engine; anything else, and every refusal, is the schema's.
  let request = parseSimpleChatRequest(record);
  if (request === undefined) {
    const parsed = chatCompletionRequestSchema.safeParse(body);
    if (!parsed.success) throw issueToApiError(parsed.error.issues, body);
    request = parsed.data;
  }
  if (typeof request.n === 'number' && request.n !== 1) {
    throw new ApiError(400, 'invalid_request_error', 'unsupported_value', "Unsupported value: 'n' must be 1 on this server (one choice per request).", 'n');
  }
  checkSchemaLimits(request);
  return request;
}

function checkSchemaLimits(request: ChatCompletionBody): void {
  const tools = request.tools ?? [];
  if (tools.length > MAX_TOOLS) throw apiErrors.tooManyTools(tools.length, MAX_TOOLS);
  const schemas: Array<{ param: string; schema: unknown }> = [];
  tools.forEach((tool, index) => {
    if (tool.function.parameters) schemas.push({ param: `tools[${index}].function.parameters`, schema: tool.function.parameters });
  });
  const format = request.response_format;
  if (format?.type === 'json_schema' && format.json_schema.schema) schemas.push({ param: 'response_format.json_schema.schema', schema: format.json_schema.schema });
  let total = 0;
  for (const { param, schema } of schemas) {
    if (nestsDeeperThan(schema, MAX_SCHEMA_DEPTH)) throw apiErrors.schemaTooDeep(param, MAX_SCHEMA_DEPTH);
    // Safe to serialise now: the depth is bounded.
    total += JSON.stringify(schema).length;
    if (total > MAX_TOTAL_SCHEMA_CHARS) throw apiErrors.schemasTooLarge(param, MAX_TOTAL_SCHEMA_CHARS);
  }
}
