import { z } from 'zod';
import { OUTPUT_ITEM_TYPES, outputCustomToolCallSchema, outputFunctionCallSchema, outputMessageSchema, outputReasoningSchema, responseObjectSchema } from './response-object-schema.js';
import {
  contentPartEventSchema, customToolCallInputDeltaEventSchema, customToolCallInputDoneEventSchema, functionCallArgumentsDeltaEventSchema,
  functionCallArgumentsDoneEventSchema, lifecycleEventSchema, outputItemEventSchema, outputTextDeltaEventSchema, outputTextDoneEventSchema,
  reasoningSummaryTextDeltaEventSchema, reasoningTextDeltaEventSchema, reasoningTextDoneEventSchema, terminalEventSchema,
  type ReasoningSummaryTextDeltaEvent, type ResponseStreamEvent,
} from './stream-event-schema.js';
import { requiredInputStubSchema, steerAcceptedFrameSchema, steerFailedFrameSchema, steerPendingFrameSchema, type SteerFrame } from './ws-frame-schema.js';

/*
 * How a client reads what a server sends: the schemas of stream-event-schema.ts and
 * ws-frame-schema.ts, loosened where servers differ or grow. Unknown fields are kept (callers may
 * read them), statuses are any string, a response needs only the fields a client acts on, and
 * fields older servers left out get their defaults. Known types must still be well-formed.
 */

const itemStatus = z.string().optional();
const knownItemTypes = new Set<string>(OUTPUT_ITEM_TYPES);
const looseParts = z.array(z.looseObject({ type: z.string() }));

/** Known item types must be well-formed; other types (hosted tool calls) pass through untouched. */
const readOutputItem = z.union([
  z.discriminatedUnion('type', [
    outputMessageSchema.extend({ status: itemStatus, role: z.string(), content: looseParts, phase: z.string().nullish() }).loose(),
    outputFunctionCallSchema.extend({ status: itemStatus }).loose(),
    outputCustomToolCallSchema.extend({ status: itemStatus }).loose(),
    outputReasoningSchema.pick({ type: true, id: true }).extend({ status: itemStatus, summary: looseParts.default([]) }).loose(),
  ]),
  z.looseObject({ type: z.string().refine((type) => !knownItemTypes.has(type)) }),
]);

const readResponse = responseObjectSchema.pick({ id: true }).extend({
  status: z.string(),
  previous_response_id: z.string().nullish(),
  output: z.array(readOutputItem),
  incomplete_details: z.looseObject({ reason: z.string() }).nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string() }).nullish(),
  usage: z.looseObject({ input_tokens: z.number(), output_tokens: z.number() }).nullish(),
}).loose();

const lane = { stream_id: z.string().optional() };
const logprobs = { logprobs: z.array(z.unknown()).default([]) };

/** Every event type a client yields, by type, with what it checks of it. */
const EVENT_READERS: Record<ReadableServerEvent['type'], z.ZodType> = {
  ...each(lifecycleEventSchema.extend({ ...lane, response: readResponse }).loose(), ['response.created', 'response.queued', 'response.in_progress']),
  ...each(terminalEventSchema.extend({ ...lane, response: readResponse }).loose(), ['response.completed', 'response.incomplete', 'response.failed']),
  ...each(outputItemEventSchema.extend({ ...lane, item: readOutputItem }).loose(), ['response.output_item.added', 'response.output_item.done']),
  ...each(contentPartEventSchema.extend({ ...lane, part: z.looseObject({ type: z.string() }) }).loose(), ['response.content_part.added', 'response.content_part.done']),
  'response.output_text.delta': outputTextDeltaEventSchema.extend({ ...lane, ...logprobs }).loose(),
  'response.output_text.done': outputTextDoneEventSchema.extend({ ...lane, ...logprobs }).loose(),
  'response.reasoning_text.delta': reasoningTextDeltaEventSchema.extend(lane).loose(),
  'response.reasoning_text.done': reasoningTextDoneEventSchema.extend(lane).loose(),
  'response.reasoning_summary_text.delta': reasoningSummaryTextDeltaEventSchema.extend(lane).loose(),
  'response.function_call_arguments.delta': functionCallArgumentsDeltaEventSchema.extend(lane).loose(),
  // Older servers omit `name` on this event; the item itself always carries it.
  'response.function_call_arguments.done': functionCallArgumentsDoneEventSchema.extend({ ...lane, name: z.string().default('') }).loose(),
  'response.custom_tool_call_input.delta': customToolCallInputDeltaEventSchema.extend(lane).loose(),
  'response.custom_tool_call_input.done': customToolCallInputDoneEventSchema.extend(lane).loose(),
  'response.steer.accepted': steerAcceptedFrameSchema.loose(),
  'response.steer.pending': steerPendingFrameSchema.extend({ reason: z.string(), required_input: z.array(requiredInputStubSchema) }).loose(),
  'response.steer.failed': steerFailedFrameSchema.extend({
    error: z.looseObject({ type: z.string().default('invalid_request_error'), code: z.string(), message: z.string() }),
  }).loose(),
  // Read as an error, below.
  error: z.never(),
};

function each<T extends string>(schema: z.ZodType, types: readonly T[]): Record<T, z.ZodType> {
  return Object.fromEntries(types.map((type) => [type, schema])) as Record<T, z.ZodType>;
}

/** `{type:"error", status, error:{type, code, message, param, headers?}}`: the WebSocket error frame (spec §3.9). */
const errorEnvelope = z.looseObject({
  ...lane,
  status: z.number().int().optional(),
  error: z.looseObject({
    type: z.string().nullish(),
    code: z.string().nullish(),
    message: z.string(),
    param: z.string().nullish(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
});
/** `{type:"error", code, message, param, sequence_number}`: the SSE stream error (spec §2.2). */
const flatError = z.looseObject({ ...lane, code: z.string().nullish(), message: z.string(), param: z.string().nullish() });

/** An error a server reported, in either of its two wire shapes. */
export interface ServerErrorFields {
  /** Present on WebSocket error frames (the HTTP-equivalent status). */
  status?: number;
  type?: string;
  code: string | null;
  message: string;
  param: string | null;
  headers?: Record<string, string>;
}

/** Every event a client reads: what Spark writes, a steer frame, or a summary an upstream streams. */
export type ReadableServerEvent = ResponseStreamEvent | SteerFrame | ReasoningSummaryTextDeltaEvent;

/** What one server message (an SSE event's data or a WebSocket frame) says, read; `streamId` is its lane. */
export type ServerMessageReading =
  | { kind: 'event'; event: ReadableServerEvent; streamId: string | undefined }
  | { kind: 'error'; error: ServerErrorFields; streamId: string | undefined }
  /** A type this reader does not know (hosted tools, reasoning summaries, keep-alives): skipped as the SDK does. */
  | { kind: 'ignored'; type: string; streamId: string | undefined }
  /** A JSON value that is not an object with a string `type`. */
  | { kind: 'not_an_event' }
  /** A known type with a malformed field: `path` names the first one (never its value). */
  | { kind: 'malformed'; type: string; path: string };

/**
 * Reads one parsed server message. Every message goes through its schema, deltas included: measured,
 * the check adds under a microsecond per delta to JSON.parse's own (about as much again), no more
 * than the client's schemas cost before they moved here, so no hand-written fast path repeats them.
 */
export function readServerMessage(message: unknown): ServerMessageReading {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return { kind: 'not_an_event' };
  const record = message as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string') return { kind: 'not_an_event' };
  const rawStreamId = record['stream_id'];
  const streamId = typeof rawStreamId === 'string' ? rawStreamId : undefined;
  if (type === 'error') return readError(record, streamId);
  const schema = (EVENT_READERS as Partial<Record<string, z.ZodType>>)[type];
  if (!schema) return { kind: 'ignored', type, streamId };
  const result = schema.safeParse(record);
  if (!result.success) return { kind: 'malformed', type, path: result.error.issues[0]?.path.map(String).join('.') ?? '' };
  // The reader checked every field the event type declares; the cast only names that shape.
  return { kind: 'event', event: result.data as ReadableServerEvent, streamId };
}

function readError(record: Record<string, unknown>, streamId: string | undefined): ServerMessageReading {
  const envelope = errorEnvelope.safeParse(record);
  if (envelope.success) {
    const { status, error } = envelope.data;
    return {
      kind: 'error',
      streamId,
      error: {
        ...(status === undefined ? {} : { status }),
        ...(error.type ? { type: error.type } : {}),
        code: error.code ?? null, message: error.message, param: error.param ?? null,
        ...(error.headers ? { headers: error.headers } : {}),
      },
    };
  }
  const flat = flatError.safeParse(record);
  if (flat.success) return { kind: 'error', streamId, error: { code: flat.data.code ?? null, message: flat.data.message, param: flat.data.param ?? null } };
  return { kind: 'malformed', type: 'error', path: flat.error.issues[0]?.path.map(String).join('.') ?? '' };
}
