import { apiErrors, inputItems, type CreateResponseBody } from '@spark/protocol';
import { isItemReference, outputToContextItem, toContextItem, type ContextItem } from './context-item.js';
import type { ResponseStore } from './response-store.js';

/**
 * The full resolved input of a request: the `previous_response_id` context (its resolved input,
 * then its output) followed by this request's items, with `item_reference`s replaced by the
 * items they name and ids assigned. Instructions are not part of it: they are never inherited.
 * The previous context comes from `known` when the transport already holds it (a WebSocket
 * connection's memory), else from the store. Throws 400 `previous_response_not_found` or 400
 * for an unknown reference.
 */
export async function resolveContext(body: CreateResponseBody, store: ResponseStore, known?: readonly ContextItem[]): Promise<ContextItem[]> {
  const previous: ContextItem[] = [];
  if (known) {
    previous.push(...known);
  } else if (body.previous_response_id) {
    const stored = await store.get(body.previous_response_id);
    if (!stored) throw apiErrors.previousResponseNotFound(body.previous_response_id);
    previous.push(...stored.inputItems, ...stored.response.output.map(outputToContextItem));
  }
  const input = inputItems(body.input);
  const items: ContextItem[] = [];
  for (const [index, item] of input.entries()) {
    if (!isItemReference(item)) {
      items.push(toContextItem(item));
      continue;
    }
    const found = findLast(previous, item.id) ?? findLast(items, item.id) ?? await store.getItem(item.id);
    if (!found) throw apiErrors.invalidValue(`input[${index}].id`, `Invalid value for 'input[${index}].id': no stored item has that id.`);
    items.push(found);
  }
  return [...previous, ...items];
}

function findLast(items: readonly ContextItem[], id: string): ContextItem | undefined {
  for (let index = items.length - 1; index >= 0; index -= 1) {
    const item = items[index];
    if (item?.id === id) return item;
  }
  return undefined;
}
