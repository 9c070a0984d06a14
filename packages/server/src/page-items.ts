import { apiErrors } from '@spark/protocol';
import type { ContextItem } from './context-item.js';
import type { InputItemsPage, InputItemsQuery } from './response-store.js';

/** Cursor pagination over an in-memory item list (`after` is exclusive, in the requested order). */
export function pageItems(items: readonly ContextItem[], query: InputItemsQuery): InputItemsPage {
  const ordered = query.order === 'asc' ? [...items] : [...items].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((item) => item.id === query.after);
    if (at < 0) throw apiErrors.invalidValue('after', `Invalid value for 'after': no input item with that id in this response.`);
    start = at + 1;
  }
  const data = ordered.slice(start, start + query.limit);
  return { data, hasMore: start + query.limit < ordered.length };
}
