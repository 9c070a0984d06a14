import type { InputItem } from './input-item-schema.js';

/** A user message item as a string input stands for it. */
export interface UserMessageItem {
  type: 'message';
  role: 'user';
  content: string;
}

/**
 * The one place a string becomes a user message: a Responses `input` or a WebSocket steering
 * input given as a string means this one item.
 */
export function userMessage(text: string): UserMessageItem {
  return { type: 'message', role: 'user', content: text };
}

/** A request's `input` as items: a string is one user message, none is no items, a list is itself. */
export function inputItems(input: string | InputItem[] | undefined): InputItem[] {
  if (input === undefined) return [];
  return typeof input === 'string' ? [userMessage(input)] : input;
}
