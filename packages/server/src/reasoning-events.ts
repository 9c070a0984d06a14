import type { ItemStatus, ReasoningOutputItem, ReasoningTextPart, ResponseStreamEvent } from '@spark/protocol';

/** A stream event before the transport numbers it. */
type Unnumbered<E> = E extends ResponseStreamEvent ? Omit<E, 'sequence_number'> : never;
export type ReasoningEventBody = Unnumbered<Extract<ResponseStreamEvent, {
  type: 'response.output_item.added' | 'response.output_item.done' | 'response.content_part.added' | 'response.content_part.done'
    | 'response.reasoning_text.delta' | 'response.reasoning_text.done';
}>>;

/** A reasoning output item while its text streams: one `reasoning_text` part at content index 0. */
export interface OpenReasoning {
  readonly kind: 'reasoning';
  readonly id: string;
  /** Its `output_index`. */
  readonly index: number;
  text: string;
  /** The engine's opaque payload for this item (the last one given), sent as `encrypted_content`. */
  encryptedContent?: string;
}

/*
 * The events of a streamed reasoning item, in the order and shape of spec §2.5 (Example B:
 * reasoning then a function call; /work/shared/spec/responses-api.md, from the OpenAI SDK's
 * ResponseReasoningTextDeltaEvent / ResponseReasoningTextDoneEvent and its accumulator, which
 * needs `content: []` on the added item and a `reasoning_text` part before the first delta):
 *   output_item.added {type:'reasoning', id:'rs_…', status:'in_progress', summary:[], content:[]}
 *   content_part.added {type:'reasoning_text', text:''}
 *   reasoning_text.delta … reasoning_text.done {text}
 *   content_part.done {type:'reasoning_text', text}
 *   output_item.done {…, content:[{type:'reasoning_text', text}], encrypted_content: string | null}
 */

/** Opens a reasoning item at `index`: its `output_item.added` and `content_part.added` events. */
export function openReasoning(id: string, index: number): { item: OpenReasoning; events: ReasoningEventBody[] } {
  const item: OpenReasoning = { kind: 'reasoning', id, index, text: '' };
  return {
    item,
    events: [
      { type: 'response.output_item.added', output_index: index, item: { type: 'reasoning', id, status: 'in_progress', summary: [], content: [] } },
      { type: 'response.content_part.added', ...partBase(item), part: { type: 'reasoning_text', text: '' } },
    ],
  };
}

/** Appends a reasoning delta to the open item; its event, or none for an empty delta. */
export function reasoningDelta(item: OpenReasoning, delta: string, encryptedContent: string | undefined): ReasoningEventBody | undefined {
  if (encryptedContent !== undefined) item.encryptedContent = encryptedContent;
  if (delta === '') return undefined;
  item.text += delta;
  return { type: 'response.reasoning_text.delta', ...partBase(item), delta };
}

/** Closes the item: its done events, and the item as it goes into the response's `output`. */
export function closeReasoning(item: OpenReasoning, status: ItemStatus): { done: ReasoningOutputItem; events: ReasoningEventBody[] } {
  const part: ReasoningTextPart = { type: 'reasoning_text', text: item.text };
  const done: ReasoningOutputItem = {
    type: 'reasoning', id: item.id, status, summary: [], content: [{ ...part }], encrypted_content: item.encryptedContent ?? null,
  };
  return {
    done,
    events: [
      { type: 'response.reasoning_text.done', ...partBase(item), text: item.text },
      { type: 'response.content_part.done', ...partBase(item), part },
      { type: 'response.output_item.done', output_index: item.index, item: done },
    ],
  };
}

function partBase(item: OpenReasoning): { item_id: string; output_index: number; content_index: 0 } {
  return { item_id: item.id, output_index: item.index, content_index: 0 };
}
