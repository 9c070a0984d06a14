// Test support: draining a stream and reading what it said.
import type { ClientEvent } from '../client-events.js';

/** Every event of a stream, in order. */
export async function collect(stream: AsyncIterable<ClientEvent>): Promise<ClientEvent[]> {
  const events: ClientEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The concatenated `response.output_text.delta`s. */
export function deltaText(events: readonly ClientEvent[]): string {
  return events.map((event) => (event.type === 'response.output_text.delta' ? event.delta : '')).join('');
}

/** The event types, in order. */
export function typesOf(events: readonly ClientEvent[]): string[] {
  return events.map((event) => event.type);
}

/** Resolves with the first thrown error, or rejects when the stream ended without one. */
export async function errorOf(stream: AsyncIterable<ClientEvent>, seen: ClientEvent[] = []): Promise<unknown> {
  try {
    for await (const event of stream) seen.push(event);
  } catch (error) {
    return error;
  }
  throw new Error('the stream ended without an error');
}
