import { z } from 'zod';
import { inputItemSchema, type itemReferenceSchema, type InputItem, type OutputItem } from '@spark/protocol';
import { newId } from './new-id.js';

/** An `item_reference` input item: it names a stored item instead of carrying one. */
export type ItemReference = z.infer<typeof itemReferenceSchema>;

/**
 * One resolved item of a response's context, as stored and listed by `input_items`: never an
 * item reference, always with its `type` and an `id` (the client's, or one the server assigned).
 */
export type ContextItem = Exclude<InputItem, ItemReference> & { type: string; id: string };

/** The item kinds that carry a call id and stand for a tool call. */
export type ToolCallContextItem = Extract<ContextItem, { type: 'function_call' | 'custom_tool_call' }>;

export function isItemReference(item: InputItem): item is ItemReference {
  return item.type === 'item_reference' || (item.type === undefined && !('role' in item));
}

/**
 * Normalises one input item for storage: `type` spelled out, string message content turned into
 * one text part (as `input_items` lists it), and an id assigned when the client sent none.
 */
export function toContextItem(item: Exclude<InputItem, ItemReference>): ContextItem {
  switch (item.type) {
    case undefined:
    case 'message': {
      const content = typeof item.content === 'string'
        ? [item.role === 'assistant'
          ? { type: 'output_text' as const, text: item.content, annotations: [] }
          : { type: 'input_text' as const, text: item.content }]
        : item.content;
      return { ...item, type: 'message', id: item.id ?? newId('msg'), content };
    }
    case 'function_call': return { ...item, id: item.id ?? newId('fc') };
    case 'function_call_output': return { ...item, id: item.id ?? newId('fco') };
    case 'custom_tool_call': return { ...item, id: item.id ?? newId('ctc') };
    case 'custom_tool_call_output': return { ...item, id: item.id ?? newId('ctco') };
    case 'reasoning': return { ...item, id: item.id ?? newId('rs') };
    case 'compaction': return { ...item, id: item.id ?? newId('cmp') };
    default: return { ...item, id: item.id ?? newId('item') };
  }
}

/** A response's output item as it is replayed into a later context (`previous_response_id`). */
export function outputToContextItem(item: OutputItem): ContextItem {
  return item;
}

const storedItemsSchema = z.array(inputItemSchema);

/** Parses items read back from a store; throws when they are not well-formed context items. */
export function parseContextItems(value: unknown): ContextItem[] {
  const items = storedItemsSchema.parse(value);
  return items.map((item) => {
    if (isItemReference(item) || typeof item.id !== 'string' || typeof item.type !== 'string') {
      throw new Error('A stored item lacks its id or type.');
    }
    return item as ContextItem;
  });
}
