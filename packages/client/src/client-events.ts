import { isTerminal, type ResponseStreamEvent, type TerminalEventType } from '@spark/protocol';

/** The steering submission a steer event reports on; `previous_response_id` is the steered response. */
export interface SteerRef {
  id: string;
  previous_response_id: string;
}

/** The server queued steering input for a response streaming now (spec §3.8 step 1). */
export interface SteerAcceptedEvent {
  type: 'response.steer.accepted';
  sequence_number: number;
  steer: SteerRef;
  stream_id?: string;
}

/** A client-owned tool result the steered response waits for, as a stub to fill. */
export type RequiredInputStub =
  | { type: 'function_call_output'; call_id: string; name: string }
  | { type: 'custom_tool_call_output'; call_id: string };

/**
 * The steered response stopped waiting for client tool output: send those outputs in a
 * `response.create` continuing it; the server prepends the accepted steering input (spec §3.8 step 3).
 */
export interface SteerPendingEvent {
  type: 'response.steer.pending';
  sequence_number: number;
  steer: SteerRef;
  reason: 'waiting_for_required_input';
  required_input: RequiredInputStub[];
  stream_id?: string;
}

/** Steering input that was not applied; `steer.input` returns it. `steer.id` is absent when it was never accepted. */
export interface SteerFailedEvent {
  type: 'response.steer.failed';
  sequence_number: number;
  steer: { id?: string; previous_response_id: string; input: unknown };
  error: { type: string; code: string; message: string };
  stream_id?: string;
}

export type SteerEvent = SteerAcceptedEvent | SteerPendingEvent | SteerFailedEvent;

/** What `ResponsesConnection.stream()` yields: the Responses stream events plus Spark's steering events. */
export type ClientEvent = ResponseStreamEvent | SteerEvent;

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

