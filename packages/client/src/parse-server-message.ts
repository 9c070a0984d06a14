import { z } from 'zod';
import { ClientError } from './client-error.js';
import type { ClientEvent, ClientEventType } from './client-events.js';

/** One server message (an SSE event's data or a WebSocket frame), checked at the boundary. */
export type ServerMessage =
  | { kind: 'event'; event: ClientEvent; streamId: string | undefined }
  /** An `error` event or frame: request-scoped, it never means the socket is gone. */
  | { kind: 'error'; error: ClientError; streamId: string | undefined }
  /** A type this client does not know (hosted tools, reasoning summaries, keep-alives): skipped as the SDK does. */
  | { kind: 'ignored'; type: string; streamId: string | undefined };

// Loose objects throughout: servers add fields over time and callers may read them.
const responseStatus = z.string();
const itemStatus = z.string().optional();

const messageItem = z.looseObject({
  type: z.literal('message'), id: z.string(), status: itemStatus, role: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
});
const functionCallItem = z.looseObject({
  type: z.literal('function_call'), id: z.string(), status: itemStatus, call_id: z.string(), name: z.string(), arguments: z.string(),
});
const customToolCallItem = z.looseObject({
  type: z.literal('custom_tool_call'), id: z.string(), status: itemStatus, call_id: z.string(), name: z.string(), input: z.string(),
});
const reasoningItem = z.looseObject({
  type: z.literal('reasoning'), id: z.string(), status: itemStatus, summary: z.array(z.looseObject({ type: z.string() })).default([]),
});
const KNOWN_ITEM_TYPES = new Set(['message', 'function_call', 'custom_tool_call', 'reasoning']);
/** Known item types must be well-formed; other types (hosted tool calls) pass through untouched. */
const outputItem = z.union([
  z.discriminatedUnion('type', [messageItem, functionCallItem, customToolCallItem, reasoningItem]),
  z.looseObject({ type: z.string().refine((type) => !KNOWN_ITEM_TYPES.has(type)) }),
]);

const responseObject = z.looseObject({
  id: z.string(),
  status: responseStatus,
  previous_response_id: z.string().nullish(),
  output: z.array(outputItem),
  incomplete_details: z.looseObject({ reason: z.string() }).nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string() }).nullish(),
  usage: z.looseObject({ input_tokens: z.number(), output_tokens: z.number() }).nullish(),
});

const base = { sequence_number: z.number(), stream_id: z.string().optional() };
const index = z.number().int().min(0);
const lifecycle = z.looseObject({ ...base, response: responseObject });
const itemEvent = z.looseObject({ ...base, output_index: index, item: outputItem });
const partEvent = z.looseObject({ ...base, item_id: z.string(), output_index: index, content_index: index, part: z.looseObject({ type: z.string() }) });
const textDelta = z.looseObject({
  ...base, item_id: z.string(), output_index: index, content_index: index, delta: z.string(), logprobs: z.array(z.unknown()).default([]),
});
const textDone = z.looseObject({
  ...base, item_id: z.string(), output_index: index, content_index: index, text: z.string(), logprobs: z.array(z.unknown()).default([]),
});
const reasoningDelta = z.looseObject({ ...base, item_id: z.string(), output_index: index, content_index: index, delta: z.string() });
const reasoningDone = z.looseObject({ ...base, item_id: z.string(), output_index: index, content_index: index, text: z.string() });
const toolDelta = z.looseObject({ ...base, item_id: z.string(), output_index: index, delta: z.string() });
// Older servers omit `name` on this event; the item itself always carries it.
const argumentsDone = z.looseObject({ ...base, item_id: z.string(), output_index: index, name: z.string().default(''), arguments: z.string() });
const customInputDone = z.looseObject({ ...base, item_id: z.string(), output_index: index, input: z.string() });

const steerRef = z.looseObject({ id: z.string(), previous_response_id: z.string() });
const steerAccepted = z.looseObject({ ...base, steer: steerRef });
const requiredInputStub = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('function_call_output'), call_id: z.string(), name: z.string() }),
  z.looseObject({ type: z.literal('custom_tool_call_output'), call_id: z.string() }),
]);
const steerPending = z.looseObject({ ...base, steer: steerRef, reason: z.string(), required_input: z.array(requiredInputStub) });
const steerFailed = z.looseObject({
  ...base,
  steer: z.looseObject({ id: z.string().optional(), previous_response_id: z.string(), input: z.unknown() }),
  error: z.looseObject({ type: z.string().default('invalid_request_error'), code: z.string(), message: z.string() }),
});

/** Every event type the client yields, with the schema of the fields callers rely on. */
const EVENT_SCHEMAS: Record<Exclude<ClientEventType, 'error'>, z.ZodType> = {
  'response.created': lifecycle,
  'response.queued': lifecycle,
  'response.in_progress': lifecycle,
  'response.completed': lifecycle,
  'response.incomplete': lifecycle,
  'response.failed': lifecycle,
  'response.output_item.added': itemEvent,
  'response.output_item.done': itemEvent,
  'response.content_part.added': partEvent,
  'response.content_part.done': partEvent,
  'response.output_text.delta': textDelta,
  'response.output_text.done': textDone,
  'response.reasoning_text.delta': reasoningDelta,
  'response.reasoning_text.done': reasoningDone,
  'response.function_call_arguments.delta': toolDelta,
  'response.function_call_arguments.done': argumentsDone,
  'response.custom_tool_call_input.delta': toolDelta,
  'response.custom_tool_call_input.done': customInputDone,
  'response.steer.accepted': steerAccepted,
  'response.steer.pending': steerPending,
  'response.steer.failed': steerFailed,
};

/** `{type:"error", status, error:{type, code, message, param, headers?}}` (spec §3.9). */
const errorEnvelope = z.looseObject({
  status: z.number().int().optional(),
  stream_id: z.string().optional(),
  error: z.looseObject({
    type: z.string().nullish(),
    code: z.string().nullish(),
    message: z.string(),
    param: z.string().nullish(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
});
/** `{type:"error", code, message, param, sequence_number}`: the SSE stream error (spec §2.2). */
const flatError = z.looseObject({
  stream_id: z.string().optional(),
  code: z.string().nullish(),
  message: z.string(),
  param: z.string().nullish(),
});

/**
 * Parses one server message. A message that is not a JSON object with a string `type`, or a
 * known type with malformed fields, throws `invalid_event`; the message never quotes the payload.
 */
export function parseServerMessage(text: string): ServerMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ClientError('invalid_event', 'The server sent an event that is not valid JSON.', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notAnEvent();
  const record = parsed as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string') throw notAnEvent();
  const rawStreamId = record['stream_id'];
  const streamId = typeof rawStreamId === 'string' ? rawStreamId : undefined;
  if (type === 'error') return { kind: 'error', error: toClientError(record), streamId };
  const schema = (EVENT_SCHEMAS as Partial<Record<string, z.ZodType>>)[type];
  if (!schema) return { kind: 'ignored', type, streamId };
  const result = schema.safeParse(record);
  if (!result.success) throw malformed(type, result.error);
  // The schema checked every field the event type declares; the cast only names that shape.
  return { kind: 'event', event: result.data as ClientEvent, streamId };
}

/** The `ClientError` an error message stands for, in either of its two wire shapes. */
function toClientError(record: Record<string, unknown>): ClientError {
  const envelope = errorEnvelope.safeParse(record);
  if (envelope.success) {
    const { status, error } = envelope.data;
    return new ClientError(error.code ?? (status === undefined ? 'server_error' : 'http_error'), error.message, {
      ...(status === undefined ? {} : { status }),
      param: error.param ?? null,
      ...(error.type ? { type: error.type } : {}),
      ...(error.headers ? { headers: error.headers } : {}),
    });
  }
  const flat = flatError.safeParse(record);
  if (flat.success) return new ClientError(flat.data.code ?? 'server_error', flat.data.message, { param: flat.data.param ?? null });
  throw malformed('error', flat.error);
}

function notAnEvent(): ClientError {
  return new ClientError('invalid_event', 'The server sent an event that is not a JSON object with a string `type`.');
}

function malformed(type: string, error: z.ZodError): ClientError {
  const path = error.issues[0]?.path.map(String).join('.') ?? '';
  return new ClientError('invalid_event', `The server sent a malformed '${type.slice(0, 64)}' event${path === '' ? '' : ` (field '${path.slice(0, 128)}')`}.`);
}
