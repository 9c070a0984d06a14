import { z } from 'zod';
import { createResponseSchema } from '../create-response-schema.js';
import { messageItemSchema } from '../input-item-schema.js';
import type { ResponseStreamEvent } from './stream-event-schema.js';

/** What a WebSocket-mode `stream_id` (lane) may be: 1-256 of `[A-Za-z0-9_.-]` (spec §3.3). */
export const STREAM_ID = /^[A-Za-z0-9_.-]{1,256}$/;
export const streamIdSchema = z.string().regex(STREAM_ID);

/** Said when a `stream_id` is not one (by the server in its error frame, by the client before sending). */
export const INVALID_STREAM_ID_MESSAGE = 'Invalid stream_id: expected 1 to 256 characters of A-Z, a-z, 0-9, _, . or -.';

// --- Client frames (spec §3.2): what a client sends. ---

/** Client event types a Spark server understands; `response.cancel` is a Spark extension. */
export const CLIENT_EVENT_TYPES = ['response.create', 'response.steer', 'response.cancel'] as const;

/**
 * `response.create`: every HTTP body field at top level, plus the lane (`stream_id`) and
 * `generate: false` (warm-up: prefill only, spec §3.7). `stream` is implied.
 */
export const responseCreateFrameSchema = createResponseSchema.extend({
  type: z.literal('response.create'),
  stream_id: streamIdSchema.nullish(),
  generate: z.boolean().nullish(),
});
export type ResponseCreateFrame = z.input<typeof responseCreateFrameSchema>;

/** Steering input: a non-empty string or a non-empty list of user messages. */
export const steerInputSchema = z.union([
  z.string().min(1),
  z.array(messageItemSchema.refine((item) => item.role === 'user', 'steering accepts only user messages')).min(1),
]);

/** `response.steer` (spec §3.8): more user input for a response streaming now. */
export const responseSteerFrameSchema = z.object({
  type: z.literal('response.steer'),
  previous_response_id: z.string().min(1),
  input: steerInputSchema,
});
export type ResponseSteerFrame = z.input<typeof responseSteerFrameSchema>;

/** `response.cancel` (Spark extension): stop a response; it ends `incomplete`. */
export const responseCancelFrameSchema = z.object({ type: z.literal('response.cancel'), response_id: z.string().min(1) });
export type ResponseCancelFrame = z.input<typeof responseCancelFrameSchema>;

export type ClientFrameMessage = ResponseCreateFrame | ResponseSteerFrame | ResponseCancelFrame;

// --- Server frames: the stream events, tagged with their lane, and these. ---

/** A stream event as written on the socket: numbered in its response's sequence, tagged with its named lane. */
export type LaneEventFrame = ResponseStreamEvent & { stream_id?: string };

/**
 * A request-scoped error frame (spec §3.9): the HTTP error body's `error`, its HTTP-equivalent
 * `status`, and the lane when known. Codex turns it into an HTTP-style error only because
 * `status` is present; it never closes the socket. `headers` only when the error has some
 * (429 `retry-after`).
 */
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  status: z.number().int(),
  stream_id: z.string().optional(),
  error: z.object({
    type: z.string(),
    code: z.string().nullable(),
    message: z.string(),
    param: z.string().nullable(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
});
export type ErrorFrame = z.infer<typeof errorFrameSchema>;

/** Error codes of `response.steer.failed` (spec §3.8); clients must tolerate others. */
export const STEER_ERROR_CODES = [
  'response_not_found', 'invalid_input', 'steering_not_supported', 'too_many_pending_steers',
  'response_already_completed', 'response_not_active', 'successor_creation_failed',
] as const;
export type SteerErrorCode = (typeof STEER_ERROR_CODES)[number];

/** The steering submission a steer event reports on; `previous_response_id` is the steered response. */
export const steerRefSchema = z.object({ id: z.string(), previous_response_id: z.string() });
export type SteerRef = z.infer<typeof steerRefSchema>;

/** A client-owned tool result the steered response waits for, as a stub to fill. */
export const requiredInputStubSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('function_call_output'), call_id: z.string(), name: z.string() }),
  z.object({ type: z.literal('custom_tool_call_output'), call_id: z.string() }),
]);
export type RequiredInputStub = z.infer<typeof requiredInputStubSchema>;

const steerBase = { sequence_number: z.number(), stream_id: z.string().optional() };

/** The server queued steering input for a response streaming now (spec §3.8 step 1). */
export const steerAcceptedFrameSchema = z.object({ ...steerBase, type: z.literal('response.steer.accepted'), steer: steerRefSchema });
export type SteerAcceptedFrame = z.infer<typeof steerAcceptedFrameSchema>;

/**
 * The steered response stopped waiting for client tool output: send those outputs in a
 * `response.create` continuing it; the server prepends the accepted steering input (spec §3.8 step 3).
 */
export const steerPendingFrameSchema = z.object({
  ...steerBase,
  type: z.literal('response.steer.pending'),
  steer: steerRefSchema,
  reason: z.literal('waiting_for_required_input'),
  required_input: z.array(requiredInputStubSchema),
});
export type SteerPendingFrame = z.infer<typeof steerPendingFrameSchema>;

/** Steering input that was not applied; `steer.input` returns it. `steer.id` is absent when it was never accepted. */
export const steerFailedFrameSchema = z.object({
  ...steerBase,
  type: z.literal('response.steer.failed'),
  steer: z.object({ id: z.string().optional(), previous_response_id: z.string(), input: z.unknown() }),
  error: z.object({ type: z.string(), code: z.string(), message: z.string() }),
});
export type SteerFailedFrame = z.infer<typeof steerFailedFrameSchema>;

export type SteerFrame = SteerAcceptedFrame | SteerPendingFrame | SteerFailedFrame;
