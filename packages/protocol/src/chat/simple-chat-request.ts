import { boolean, intIn, isRecord, isString, nullable, numberIn, type FieldCheck } from '../field-checks.js';
import { chatCompletionRequestSchema, type ChatCompletionBody } from './chat-request-schema.js';

const intFrom = (min: number): FieldCheck => intIn(min, Number.MAX_SAFE_INTEGER);
const anyInt: FieldCheck = intIn(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

/** The roles whose message is simple as `{role, content: string, name?}` (a tool message needs its call id, so it goes to the schema). */
const SIMPLE_ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant']);

/** `{role, content, name?}` with string content: every schema member accepts and copies it as is. */
const simpleMessage: FieldCheck = (value) => {
  if (!isRecord(value)) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key !== 'role' && key !== 'content' && key !== 'name') return false;
  }
  return isString(value['role']) && SIMPLE_ROLES.has(value['role']) && isString(value['content'])
    && (value['name'] === undefined || isString(value['name']));
};

/**
 * The fields of `chatCompletionRequestSchema` the fast path judges on its own, each checked
 * exactly as the schema checks it, and each copied unchanged by the schema (no defaults, no
 * transforms). Tools, tool choice, response formats, predictions and content parts send the
 * body to the schema.
 */
export const SIMPLE_CHAT_FIELDS: ReadonlyMap<string, FieldCheck> = new Map<string, FieldCheck>([
  ['model', (value) => isString(value) && value.length >= 1],
  ['messages', (value) => Array.isArray(value) && value.length >= 1 && value.every(simpleMessage)],
  ['parallel_tool_calls', nullable(boolean)],
  ['max_tokens', nullable(intFrom(1))],
  ['max_completion_tokens', nullable(intFrom(1))],
  ['stop', nullable((value) => isString(value) || (Array.isArray(value) && value.length <= 4 && value.every(isString)))],
  ['temperature', nullable(numberIn(0, 2))],
  ['top_p', nullable(numberIn(0, 1))],
  ['seed', nullable(anyInt)],
  ['n', nullable(intFrom(1))],
  ['stream', nullable(boolean)],
  ['stream_options', nullable((value) => isRecord(value) && Object.keys(value).every((key) => key === 'include_usage')
    && (value['include_usage'] === undefined || value['include_usage'] === null || typeof value['include_usage'] === 'boolean'))],
  ['reasoning_effort', nullable(isString)],
  ['user', nullable(isString)],
]);

/** Every field the schema knows: a field added to it later sends bodies to the schema until it is judged above. */
const SCHEMA_FIELDS: ReadonlySet<string> = new Set(Object.keys(chatCompletionRequestSchema.shape));

/**
 * The common, simple Chat Completions body (string messages, scalar settings, no tools) parsed
 * without zod, which costs more than the rest of such a request's handling before the engine
 * starts. Returns what `chatCompletionRequestSchema` would (the schema is loose: fields it does
 * not know are kept as sent, and so they are here), or undefined when the body holds anything
 * it does not judge itself: then the schema parses it, so every refusal and its message are the
 * schema's. `simple-chat-request.test.ts` holds the two side by side.
 */
export function parseSimpleChatRequest(record: Readonly<Record<string, unknown>>): ChatCompletionBody | undefined {
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    // A JSON `__proto__` key is an own property here; copying it is the schema's business.
    if (key === '__proto__') return undefined;
    const check = SIMPLE_CHAT_FIELDS.get(key);
    if (check === undefined) {
      if (SCHEMA_FIELDS.has(key)) return undefined;
      continue;
    }
    const value = record[key];
    if (value === undefined || !check(value)) return undefined;
  }
  if (record['model'] === undefined || record['messages'] === undefined) return undefined;
  // Every known field was checked as the schema checks it, and the schema copies the rest as sent.
  return { ...record } as ChatCompletionBody;
}
