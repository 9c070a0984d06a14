import type { ResponseObject } from '@spark/protocol';
import type { ContextItem } from './context-item.js';

/** A finished response with `store: true`, as persisted. */
export interface StoredResponse {
  response: ResponseObject;
  /** The full resolved input: the previous response's context (if any) then this request's items, all with ids. */
  inputItems: readonly ContextItem[];
}

export interface InputItemsQuery {
  /** Item id to start after (exclusive), in the requested order. */
  after?: string;
  /** 1-100. */
  limit: number;
  order: 'asc' | 'desc';
}

export interface InputItemsPage {
  data: ContextItem[];
  hasMore: boolean;
}

/** Where stored responses live: SQLite by default; a later issue adds PostgreSQL. */
export interface ResponseStore {
  get(id: string): Promise<StoredResponse | undefined>;
  /** Inserts or replaces. */
  put(stored: StoredResponse): Promise<void>;
  /** False when there was nothing to delete. */
  delete(id: string): Promise<boolean>;
  /** A page of a response's input items; undefined when the response is unknown. Throws `ApiError` for an unknown `after`. */
  listInputItems(id: string, query: InputItemsQuery): Promise<InputItemsPage | undefined>;
  /** Any stored item (input or output of any stored response) by its id, for `item_reference`. */
  getItem(id: string): Promise<ContextItem | undefined>;
  close(): Promise<void>;
}
