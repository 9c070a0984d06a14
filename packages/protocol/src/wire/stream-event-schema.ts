import { z } from 'zod';
import { outputItemSchema, outputTextPartSchema, reasoningTextPartSchema, responseObjectSchema } from './response-object-schema.js';

/** Fields every streamed event carries. */
const base = { sequence_number: z.number() };
const index = z.number().int().min(0);

// Members are split as callers narrow them (`Extract<ResponseStreamEvent, { type: TerminalEventType }>`).
export const lifecycleEventSchema = z.object({
  ...base, type: z.enum(['response.created', 'response.in_progress', 'response.queued']), response: responseObjectSchema,
});
export const terminalEventSchema = z.object({
  ...base, type: z.enum(['response.completed', 'response.incomplete', 'response.failed']), response: responseObjectSchema,
});
export const outputItemEventSchema = z.object({
  ...base, type: z.enum(['response.output_item.added', 'response.output_item.done']), output_index: index, item: outputItemSchema,
});
export const contentPartEventSchema = z.object({
  ...base,
  type: z.enum(['response.content_part.added', 'response.content_part.done']),
  item_id: z.string(), output_index: index, content_index: index, part: z.union([outputTextPartSchema, reasoningTextPartSchema]),
});
export const outputTextDeltaEventSchema = z.object({
  ...base, type: z.literal('response.output_text.delta'),
  item_id: z.string(), output_index: index, content_index: index, delta: z.string(), logprobs: z.array(z.unknown()),
});
export const outputTextDoneEventSchema = z.object({
  ...base, type: z.literal('response.output_text.done'),
  item_id: z.string(), output_index: index, content_index: index, text: z.string(), logprobs: z.array(z.unknown()),
});
/** Raw reasoning streams like text, without logprobs (spec §2.5, the SDK's ResponseReasoningTextDeltaEvent). */
export const reasoningTextDeltaEventSchema = z.object({
  ...base, type: z.literal('response.reasoning_text.delta'), item_id: z.string(), output_index: index, content_index: index, delta: z.string(),
});
export const reasoningTextDoneEventSchema = z.object({
  ...base, type: z.literal('response.reasoning_text.done'), item_id: z.string(), output_index: index, content_index: index, text: z.string(),
});
export const functionCallArgumentsDeltaEventSchema = z.object({
  ...base, type: z.literal('response.function_call_arguments.delta'), item_id: z.string(), output_index: index, delta: z.string(),
});
export const customToolCallInputDeltaEventSchema = z.object({
  ...base, type: z.literal('response.custom_tool_call_input.delta'), item_id: z.string(), output_index: index, delta: z.string(),
});
export const functionCallArgumentsDoneEventSchema = z.object({
  ...base, type: z.literal('response.function_call_arguments.done'), item_id: z.string(), output_index: index, name: z.string(), arguments: z.string(),
});
export const customToolCallInputDoneEventSchema = z.object({
  ...base, type: z.literal('response.custom_tool_call_input.done'), item_id: z.string(), output_index: index, input: z.string(),
});
/** The SSE stream's error event (spec §2.2); over WebSocket, errors are `error` frames (ws-frame-schema.ts). */
export const streamErrorEventSchema = z.object({
  ...base, type: z.literal('error'), code: z.string().nullable(), message: z.string(), param: z.string().nullable(),
});

/**
 * The Responses stream events Spark emits, spelled exactly as the API spells them. Nothing outside
 * this union is ever written: the SDK's accumulator throws on unknown types.
 */
export const responseStreamEventSchema = z.discriminatedUnion('type', [
  lifecycleEventSchema, terminalEventSchema, outputItemEventSchema, contentPartEventSchema, outputTextDeltaEventSchema,
  outputTextDoneEventSchema, reasoningTextDeltaEventSchema, reasoningTextDoneEventSchema, functionCallArgumentsDeltaEventSchema, functionCallArgumentsDoneEventSchema, customToolCallInputDeltaEventSchema, customToolCallInputDoneEventSchema, streamErrorEventSchema,
]);
export type ResponseStreamEvent = z.infer<typeof responseStreamEventSchema>;

/**
 * A reasoning summary streaming (spec §2.5: OpenAI's reasoning models send their summaries this
 * way, not as `response.reasoning_text.delta`). Spark never writes it (its engines reason in raw
 * text); clients read it, so a summary from an upstream shows as it is written.
 */
export const reasoningSummaryTextDeltaEventSchema = z.object({
  ...base, type: z.literal('response.reasoning_summary_text.delta'), item_id: z.string(), output_index: index, summary_index: index, delta: z.string(),
});
export type ReasoningSummaryTextDeltaEvent = z.infer<typeof reasoningSummaryTextDeltaEventSchema>;

export type ResponseStreamEventType = ResponseStreamEvent['type'];

/** The events that end a response's stream: exactly one of them comes last. */
export type TerminalEventType = 'response.completed' | 'response.incomplete' | 'response.failed';

/** True for `response.completed`, `response.incomplete` and `response.failed`, on any event union (server or client side). */
export function isTerminal<E extends { readonly type: string }>(event: E): event is Extract<E, { type: TerminalEventType }> {
  return event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed';
}
