import { readServerMessage } from '@spark/protocol';
import { ClientError } from './client-error.js';
import type { ClientEvent } from './client-events.js';

/** One server message (an SSE event's data or a WebSocket frame), checked at the boundary. */
export type ServerMessage =
  | { kind: 'event'; event: ClientEvent; streamId: string | undefined }
  /** An `error` event or frame: request-scoped, it never means the socket is gone. */
  | { kind: 'error'; error: ClientError; streamId: string | undefined }
  /** A type this client does not know (hosted tools, reasoning summaries, keep-alives): skipped as the SDK does. */
  | { kind: 'ignored'; type: string; streamId: string | undefined };

/**
 * Parses one server message with @spark/protocol's reader (wire/read-server-message.ts). A
 * message that is not a JSON object with a string `type`, or a known type with malformed fields,
 * throws `invalid_event`; the message never quotes the payload.
 */
export function parseServerMessage(text: string): ServerMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ClientError('invalid_event', 'The server sent an event that is not valid JSON.', { cause: error });
  }
  const reading = readServerMessage(parsed);
  switch (reading.kind) {
    case 'event':
    case 'ignored':
      return reading;
    case 'error': {
      const { status, type, code, message, param, headers } = reading.error;
      const error = new ClientError(code ?? (status === undefined ? 'server_error' : 'http_error'), message, {
        ...(status === undefined ? {} : { status }),
        param,
        ...(type ? { type } : {}),
        ...(headers ? { headers } : {}),
      });
      return { kind: 'error', error, streamId: reading.streamId };
    }
    case 'not_an_event':
      throw new ClientError('invalid_event', 'The server sent an event that is not a JSON object with a string `type`.');
    case 'malformed':
      throw new ClientError('invalid_event', `The server sent a malformed '${reading.type.slice(0, 64)}' event${reading.path === '' ? '' : ` (field '${reading.path.slice(0, 128)}')`}.`);
  }
}
