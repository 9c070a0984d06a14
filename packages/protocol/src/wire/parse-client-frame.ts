import { ApiError, apiErrors } from '../api-error.js';
import type { CreateResponseBody } from '../create-response-schema.js';
import type { MessageInputItem } from '../input-item-schema.js';
import { findExcessNesting } from '../json-nesting.js';
import { parseCreateResponse } from '../parse-create-response.js';
import { MAX_JSON_DEPTH } from '../request-limits.js';
import { userMessage } from '../user-message.js';
import { CLIENT_EVENT_TYPES, INVALID_STREAM_ID_MESSAGE, steerInputSchema, streamIdSchema } from './ws-frame-schema.js';

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

/**
 * Parses the text of one WebSocket message into a client event (the frame schemas of
 * `ws-frame-schema.ts`, checked in the order that decides which error a client sees). Never
 * throws: anything malformed becomes an `error` result (a request-scoped error frame; the socket
 * stays open). Messages quote neither the frame nor its fields' values, only short type names.
 */
export function parseClientFrame(text: string): ClientFrame {
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
    const lane = streamIdSchema.safeParse(rawStreamId);
    if (!lane.success) return failure(new ApiError(400, 'invalid_request_error', 'invalid_stream_id', INVALID_STREAM_ID_MESSAGE, 'stream_id'));
    streamId = lane.data;
  }
  // `generate` is `z.boolean().nullish()` in the frame schema, checked by hand: a schema call per frame costs more than the check.
  if (rawGenerate !== undefined && rawGenerate !== null && typeof rawGenerate !== 'boolean') return failure(apiErrors.invalidType('generate', "Invalid type for 'generate': expected a boolean."), streamId);
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
  if (input === '') return invalid('Steering input must not be empty.');
  const steer = steerInputSchema.safeParse(input);
  if (!steer.success) return invalid('Steering input must be a non-empty string or a non-empty array of user messages.');
  const items: MessageInputItem[] = typeof steer.data === 'string' ? [userMessage(steer.data)] : steer.data;
  return { kind: 'steer', previousResponseId, input, items, problem: undefined };
}

function failure(error: ApiError, streamId?: string): ClientFrame {
  return { kind: 'error', error, streamId };
}
