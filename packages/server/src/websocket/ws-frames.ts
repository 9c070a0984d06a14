import type {
  ApiError, ErrorFrame, RequiredInputStub, SteerAcceptedFrame, SteerErrorCode, SteerFailedFrame, SteerPendingFrame,
} from '@spark/protocol';

// The frames' shapes are @spark/protocol's (ws-frame-schema.ts); these build them.
export type { ErrorFrame, LaneEventFrame, RequiredInputStub, SteerErrorCode } from '@spark/protocol';

/** `{"type":"error","status":400,"stream_id":"main","error":{type,code,message,param}}`; `headers` only when the error has some (429 `retry-after`). */
export function errorFrame(error: ApiError, streamId: string | undefined): ErrorFrame {
  const body = error.toBody().error;
  return {
    type: 'error',
    status: error.status,
    ...(streamId === undefined ? {} : { stream_id: streamId }),
    error: {
      type: body.type, code: body.code, message: body.message, param: body.param,
      ...(Object.keys(error.headers).length > 0 ? { headers: { ...error.headers } } : {}),
    },
  };
}

export function steerAcceptedFrame(sequence: number, steerId: string, responseId: string, streamId: string | undefined): SteerAcceptedFrame {
  return { type: 'response.steer.accepted', sequence_number: sequence, steer: { id: steerId, previous_response_id: responseId }, ...lane(streamId) };
}

export function steerPendingFrame(
  sequence: number, steerId: string, responseId: string, requiredInput: RequiredInputStub[], streamId: string | undefined,
): SteerPendingFrame {
  return {
    type: 'response.steer.pending', sequence_number: sequence, steer: { id: steerId, previous_response_id: responseId },
    reason: 'waiting_for_required_input', required_input: requiredInput, ...lane(streamId),
  };
}

export function steerFailedFrame(
  sequence: number,
  steer: { id: string | undefined; previousResponseId: string; input: unknown },
  code: SteerErrorCode,
  streamId: string | undefined,
): SteerFailedFrame {
  return {
    type: 'response.steer.failed',
    sequence_number: sequence,
    steer: { ...(steer.id === undefined ? {} : { id: steer.id }), previous_response_id: steer.previousResponseId, input: steer.input },
    error: { type: 'invalid_request_error', code, message: STEER_FAILURE_MESSAGES[code] },
    ...lane(streamId),
  };
}

const STEER_FAILURE_MESSAGES: Record<SteerErrorCode, string> = {
  response_not_found: 'No response with that id is generating on this connection.',
  invalid_input: 'Steering input must be a non-empty string or a non-empty array of user messages, and previous_response_id must name a response.',
  steering_not_supported: 'This response does not support steering.',
  too_many_pending_steers: 'Too much steering input is already pending for this response.',
  response_already_completed: 'The response already completed and no longer accepts steering input; send a response.create that continues it.',
  response_not_active: 'The response is no longer generating and does not accept steering input.',
  successor_creation_failed: 'The steered response could not be continued; the input was not applied.',
};

function lane(streamId: string | undefined): { stream_id?: string } {
  return streamId === undefined ? {} : { stream_id: streamId };
}
