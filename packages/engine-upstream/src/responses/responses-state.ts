import type { ConversationItem, GenerationState } from '@spark/engine';

/** Which pooled upstream WebSocket (and which of its sockets) holds a response in its memory. */
export interface SocketRef {
  readonly id: number;
  readonly epoch: number;
}

/**
 * What a Responses upstream keeps in `GenerationState.data`: the upstream's response id (to
 * chain on with `previous_response_id`), where that response lives (a WebSocket keeps responses
 * per connection), and the whole conversation so far, output included, for when the chain cannot
 * be used (another socket, `previous_response_not_found`) and the history must be resent.
 */
export interface ResponsesStateData {
  readonly kind: 'responses-upstream';
  readonly responseId: string | undefined;
  readonly socket: SocketRef | undefined;
  readonly conversation: readonly ConversationItem[];
}

/** The state's data when this engine produced it for this model; undefined otherwise. */
export function readResponsesState(state: GenerationState, engine: string, model: string): ResponsesStateData | undefined {
  if (state.engine !== engine || state.model !== model) return undefined;
  const data = state.data as Partial<ResponsesStateData> | null;
  if (typeof data !== 'object' || data === null || data.kind !== 'responses-upstream' || !Array.isArray(data.conversation)) return undefined;
  return data as ResponsesStateData;
}
