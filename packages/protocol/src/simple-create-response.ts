import { createResponseSchema, type CreateResponseBody } from './create-response-schema.js';
import { boolean, intIn, isString, nullable, numberIn, oneOf, strings, stringOfLength, type FieldCheck } from './field-checks.js';

/**
 * The fields of `createResponseSchema` whose values the fast path can judge on its own, each
 * checked exactly as the schema checks it, and all of them copied unchanged by the schema (no
 * defaults, no transforms). `input` is here only as a string; every other field (tools, item
 * arrays, `text`, `reasoning`, `metadata`, ...) sends the body to the schema.
 */
export const SIMPLE_FIELDS: ReadonlyMap<string, FieldCheck> = new Map<string, FieldCheck>([
  ['model', stringOfLength(1, 256)],
  ['input', isString],
  ['instructions', nullable(isString)],
  ['parallel_tool_calls', nullable(boolean)],
  ['previous_response_id', nullable(stringOfLength(1, 512))],
  ['store', nullable(boolean)],
  ['stream', nullable(boolean)],
  ['max_output_tokens', nullable(intIn(1, Number.MAX_SAFE_INTEGER))],
  ['temperature', nullable(numberIn(0, 2))],
  ['top_p', nullable(numberIn(0, 1))],
  ['top_logprobs', nullable(intIn(0, 20))],
  ['seed', nullable(intIn(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER))],
  ['truncation', nullable(oneOf('auto', 'disabled'))],
  ['include', nullable(strings)],
  ['prompt_cache_key', nullable(stringOfLength(0, 1024))],
  ['background', nullable(boolean)],
  ['service_tier', nullable(isString)],
  ['user', nullable(isString)],
  ['max_tool_calls', nullable(intIn(1, Number.MAX_SAFE_INTEGER))],
  ['loop_guard', nullable(boolean)],
  ['priority', nullable(oneOf('foreground', 'background'))],
]);

/**
 * Every field the schema knows, read from the schema itself, so a field added to it later sends
 * bodies to the schema until it is added above. A field the schema does not know is one it drops
 * (clients send extras), and so does the fast path.
 */
const SCHEMA_FIELDS: ReadonlySet<string> = new Set(Object.keys(createResponseSchema.shape));

/**
 * The common, simple create body (a string input, scalar settings; a chained WebSocket turn)
 * parsed without zod, which costs more than the rest of such a turn's parsing. Returns exactly
 * what `createResponseSchema` would (unknown fields dropped, the rest as sent), or undefined
 * when the body holds anything it does not judge itself: then the schema parses it, so every
 * refusal and its message are the schema's. `parse-create-response.test.ts` holds the two
 * side by side.
 */
export function parseSimpleCreateResponse(record: Readonly<Record<string, unknown>>): CreateResponseBody | undefined {
  const body: Record<string, unknown> = {};
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const check = SIMPLE_FIELDS.get(key);
    if (check === undefined) {
      if (SCHEMA_FIELDS.has(key)) return undefined;
      continue;
    }
    const value = record[key];
    if (value === undefined || !check(value)) return undefined;
    body[key] = value;
  }
  if (body['model'] === undefined) return undefined;
  // Every field present was checked against its schema above, and the schema would copy it as is.
  return body as CreateResponseBody;
}
