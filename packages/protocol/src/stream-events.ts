import type { OutputItem, OutputTextPart, ResponseObject } from './response-types.js';

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
    item_id: string; output_index: number; content_index: number; part: OutputTextPart;
  })
  | (EventBase & {
    type: 'response.output_text.delta';
    item_id: string; output_index: number; content_index: number; delta: string; logprobs: unknown[];
  })
  | (EventBase & {
    type: 'response.output_text.done';
    item_id: string; output_index: number; content_index: number; text: string; logprobs: unknown[];
  })
  | (EventBase & { type: 'response.function_call_arguments.delta'; item_id: string; output_index: number; delta: string })
  | (EventBase & { type: 'response.function_call_arguments.done'; item_id: string; output_index: number; name: string; arguments: string })
  | (EventBase & { type: 'response.custom_tool_call_input.delta'; item_id: string; output_index: number; delta: string })
  | (EventBase & { type: 'response.custom_tool_call_input.done'; item_id: string; output_index: number; input: string })
  | (EventBase & { type: 'error'; code: string | null; message: string; param: string | null });

export type ResponseStreamEventType = ResponseStreamEvent['type'];
