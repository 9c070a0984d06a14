import { z } from 'zod';
import {
  ApiError, apiErrors, findExcessNesting, MAX_JSON_DEPTH, messageItemSchema, parseCreateResponse, STREAM_ID, userMessage, type CreateResponseBody,
  type MessageInputItem,
} from '@spark/protocol';

/** `stream_id`: 1-256 characters of `[A-Za-z0-9_.-]` (spec §3.3). */

/** Client event types this server understands; `response.cancel` is a Spark extension. */
export const CLIENT_EVENT_TYPES = ['response.create', 'response.steer', 'response.cancel'] as const;

/** One client frame, parsed and validated (or the error frame it deserves). */
export type ClientFrame =
  | {
    kind: 'create';
    body: CreateResponseBody;
    /** The lane; undefined = the default lane. */
    streamId: string | undefined;
    /** False for `generate: false` (warm-up: prefill only). */
    generate: boolean;
  }
  | {
    kind: 'steer';
    previousResponseId: string;
    /** The input as sent, echoed back by `response.steer.failed`. */
    input: unknown;
    /** The input as user messages; undefined when it failed validation (see `problem`). */
    items: MessageInputItem[] | undefined;
    problem: string | undefined;
  }
  | { kind: 'cancel'; responseId: string }
  | { kind: 'error'; error: ApiError; streamId: string | undefined };

const steerItemsSchema = z.array(messageItemSchema.refine((item) => item.role === 'user', 'steering accepts only user messages')).min(1);

/**
 * Parses one WebSocket message into a client event. Never throws: anything malformed becomes an
 * `error` result (a request-scoped error frame; the socket stays open). Messages quote neither
 * the frame nor its fields' values, only short type names.
 */
export function parseClientFrame(data: Buffer, isBinary: boolean): ClientFrame {
  if (isBinary) return failure(new ApiError(400, 'invalid_request_error', 'invalid_frame', 'Binary frames are not supported: send each client event as a JSON text frame.'));
  const text = data.toString('utf8');
  // Before anything walks the frame recursively (zod, schema normalisation, cache keys).
  const tooDeep = findExcessNesting(text, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) return failure(apiErrors.nestingTooDeep(tooDeep, MAX_JSON_DEPTH));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return failure(new ApiError(400, 'invalid_request_error', 'invalid_json', 'The frame is not valid JSON.'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return failure(apiErrors.invalidType('type', 'A client event must be a JSON object with a string `type`.'));
  }
  const record = parsed as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string') return failure(apiErrors.invalidType('type', 'A client event must be a JSON object with a string `type`.'));
  switch (type) {
    case 'response.create': return parseCreate(record);
    case 'response.steer': return parseSteer(record);
    case 'response.cancel': {
      const id = record['response_id'];
      if (typeof id !== 'string' || id === '') return failure(apiErrors.missing('response_id'));
      return { kind: 'cancel', responseId: id };
    }
    default:
      return failure(apiErrors.invalidValue('type', `Unsupported client event type '${type.slice(0, 64)}': expected one of ${CLIENT_EVENT_TYPES.join(', ')}.`));
  }
}

function parseCreate(record: Record<string, unknown>): ClientFrame {
  const { type: _type, stream_id: rawStreamId, generate: rawGenerate, ...body } = record;
  let streamId: string | undefined;
  if (rawStreamId !== undefined && rawStreamId !== null) {
    if (typeof rawStreamId !== 'string' || !STREAM_ID.test(rawStreamId)) {
      return failure(new ApiError(400, 'invalid_request_error', 'invalid_stream_id', 'Invalid stream_id: expected 1 to 256 characters of A-Z, a-z, 0-9, _, . or -.', 'stream_id'));
    }
    streamId = rawStreamId;
  }
  if (rawGenerate !== undefined && rawGenerate !== null && typeof rawGenerate !== 'boolean') {
    return failure(apiErrors.invalidType('generate', "Invalid type for 'generate': expected a boolean."), streamId);
  }
  let parsed: CreateResponseBody;
  try {
    parsed = parseCreateResponse(body);
  } catch (error) {
    if (ApiError.is(error)) return failure(error, streamId);
    throw error;
  }
  if (parsed.background) {
    return failure(new ApiError(400, 'invalid_request_error', 'unsupported_parameter', "Background responses are not supported over WebSocket: omit 'background' or set it to false.", 'background'), streamId);
  }
  return { kind: 'create', body: parsed, streamId, generate: rawGenerate !== false };
}

function parseSteer(record: Record<string, unknown>): ClientFrame {
  const id = record['previous_response_id'];
  const input = record['input'];
  const previousResponseId = typeof id === 'string' ? id.slice(0, 512) : '';
  const invalid = (problem: string): ClientFrame => ({ kind: 'steer', previousResponseId, input, items: undefined, problem });
  if (typeof id !== 'string' || id === '') return invalid('response.steer needs previous_response_id: the id of the response to steer.');
  if (typeof input === 'string') {
    if (input === '') return invalid('Steering input must not be empty.');
    return { kind: 'steer', previousResponseId, input, items: [userMessage(input)], problem: undefined };
  }
  const items = steerItemsSchema.safeParse(input);
  if (!items.success) return invalid('Steering input must be a non-empty string or a non-empty array of user messages.');
  return { kind: 'steer', previousResponseId, input, items: items.data, problem: undefined };
}

function failure(error: ApiError, streamId?: string): ClientFrame {
  return { kind: 'error', error, streamId };
}
