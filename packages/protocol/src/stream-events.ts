import type { OutputItem, OutputTextPart, ReasoningTextPart, ResponseObject } from './response-types.js';

/** Fields every streamed event carries. */
interface EventBase {
  sequence_number: number;
}

/**
 * The Responses stream events Spark emits, spelled exactly as the API spells them. Nothing outside
 * this union is ever written: the SDK's accumulator throws on unknown types.
 */
export type ResponseStreamEvent =
  | (EventBase & { type: 'response.created' | 'response.in_progress' | 'response.queued'; response: ResponseObject })
  | (EventBase & { type: 'response.completed' | 'response.incomplete' | 'response.failed'; response: ResponseObject })
  | (EventBase & { type: 'response.output_item.added' | 'response.output_item.done'; output_index: number; item: OutputItem })
  | (EventBase & {
    type: 'response.content_part.added' | 'response.content_part.done';
    item_id: string; output_index: number; content_index: number; part: OutputTextPart | ReasoningTextPart;
  })
  | (EventBase & {
    type: 'response.output_text.delta';
    item_id: string; output_index: number; content_index: number; delta: string; logprobs: unknown[];
  })
  | (EventBase & {
    type: 'response.output_text.done';
    item_id: string; output_index: number; content_index: number; text: string; logprobs: unknown[];
  })
  | (EventBase & { type: 'response.reasoning_text.delta'; item_id: string; output_index: number; content_index: number; delta: string })
  | (EventBase & { type: 'response.reasoning_text.done'; item_id: string; output_index: number; content_index: number; text: string })
  | (EventBase & { type: 'response.function_call_arguments.delta'; item_id: string; output_index: number; delta: string })
  | (EventBase & { type: 'response.function_call_arguments.done'; item_id: string; output_index: number; name: string; arguments: string })
  | (EventBase & { type: 'response.custom_tool_call_input.delta'; item_id: string; output_index: number; delta: string })
  | (EventBase & { type: 'response.custom_tool_call_input.done'; item_id: string; output_index: number; input: string })
  | (EventBase & { type: 'error'; code: string | null; message: string; param: string | null });

export type ResponseStreamEventType = ResponseStreamEvent['type'];

/** The events that end a response's stream: exactly one of them comes last. */
export type TerminalEventType = 'response.completed' | 'response.incomplete' | 'response.failed';

/** True for `response.completed`, `response.incomplete` and `response.failed`, on any event union (server or client side). */
export function isTerminal<E extends { readonly type: string }>(event: E): event is Extract<E, { type: TerminalEventType }> {
  return event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed';
}

/** What a WebSocket-mode `stream_id` (lane) may be: 1-256 of `[A-Za-z0-9_.-]`. */
export const STREAM_ID = /^[A-Za-z0-9_.-]{1,256}$/;
