import type { InputItem, ResponseCreateFrame } from '@spark/protocol';
import type { ClientEvent } from './client-events.js';
import type { TransportKind } from './client-options.js';

/**
 * The body of a `response.create` (WebSocket) or `POST /responses` (HTTP), `stream` implied: the
 * protocol's schema of what a client may send (`z.input`), without the frame's `type`;
 * `stream_id` and `generate` apply over WebSocket only.
 */
export type CreateParams = Omit<ResponseCreateFrame, 'type'>;
/** One entry of `tools`. */
export type ToolParam = NonNullable<CreateParams['tools']>[number];

export interface StreamOptions {
  signal?: AbortSignal;
}

/** A model the server serves; `contextWindow` when the server reports one. */
export interface ModelEntry {
  id: string;
  contextWindow?: number;
}

/** A Responses API connection over one transport. */
export interface ResponsesConnection {
  readonly kind: TransportKind;
  /**
   * Changes every time a new WebSocket is opened: `previous_response_id` chains from an older
   * connection are gone (Spark keeps WebSocket state per connection), so the caller must resend
   * full history. Always 0 for HTTP.
   */
  readonly connectionEpoch: number;
  /**
   * One response's events, ending after its terminal event (`response.completed`,
   * `.incomplete` or `.failed`). When the response had steering input accepted
   * (`response.steer.accepted`), the stream goes on to the outcome: the successor response the
   * server starts (its events follow, and the stream ends after the successor's terminal
   * event), or the `response.steer.pending` / `.failed` events that resolve every accepted steer.
   * Error events and HTTP error statuses throw a `ClientError`. Aborting `signal` on WebSocket
   * cancels the response (`response.cancel`) and keeps yielding up to its terminal event, so
   * the partial output arrives as `response.incomplete`; without one within `cancelGraceMs` the
   * socket is closed and the stream throws `aborted`. Over HTTP an abort throws `aborted`. A
   * socket closed mid-stream throws `connection_closed`; the next stream reconnects (new epoch).
   * Leaving the loop early cancels the response as an abort does.
   */
  stream(params: CreateParams, options?: StreamOptions): AsyncIterable<ClientEvent>;
  /**
   * WebSocket only: sends `response.steer` for a response streaming now. The outcome arrives
   * as a steer event in that response's stream (or first in the lane's next stream when that
   * one already ended). Over HTTP it throws `steering_not_supported`.
   */
  steer(responseId: string, input: string | InputItem[]): void;
  /** `GET {baseUrl}/models`: ids, with the context window when the server reports one. */
  listModels(options?: StreamOptions): Promise<ModelEntry[]>;
  /** Ends every stream (`connection_closed`) and releases the socket. */
  close(): Promise<void>;
}
