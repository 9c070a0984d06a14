import {
  isTerminal, type ReasoningSummaryTextDeltaEvent, type ResponseStreamEvent, type SteerAcceptedFrame, type SteerFailedFrame, type SteerPendingFrame, type TerminalEventType,
} from '@spark/protocol';

// The steering events are the server's steer frames (@spark/protocol's ws-frame-schema.ts).
export type { RequiredInputStub, SteerRef } from '@spark/protocol';

/** The server queued steering input for a response streaming now (spec §3.8 step 1). */
export type SteerAcceptedEvent = SteerAcceptedFrame;

/**
 * The steered response stopped waiting for client tool output: send those outputs in a
 * `response.create` continuing it; the server prepends the accepted steering input (spec §3.8 step 3).
 */
export type SteerPendingEvent = SteerPendingFrame;

/** Steering input that was not applied; `steer.input` returns it. `steer.id` is absent when it was never accepted. */
export type SteerFailedEvent = SteerFailedFrame;

export type SteerEvent = SteerAcceptedEvent | SteerPendingEvent | SteerFailedEvent;

/**
 * What `ResponsesConnection.stream()` yields: the Responses stream events plus Spark's steering
 * events, and reasoning summaries as OpenAI streams them (Spark itself never sends those).
 */
export type ClientEvent = ResponseStreamEvent | SteerEvent | ReasoningSummaryTextDeltaEvent;

export type ClientEventType = ClientEvent['type'];

/** A lifecycle event that ends its response. */
export type TerminalEvent = Extract<ClientEvent, { type: TerminalEventType }>;

/** True for `response.completed`, `response.incomplete` and `response.failed`. */
export function isTerminalEvent(event: ClientEvent): event is TerminalEvent {
  return isTerminal(event);
}

/** True for the three steering events. */
export function isSteerEvent(event: ClientEvent): event is SteerEvent {
  return event.type === 'response.steer.accepted' || event.type === 'response.steer.pending' || event.type === 'response.steer.failed';
}
