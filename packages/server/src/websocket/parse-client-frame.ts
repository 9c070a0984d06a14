import { ApiError, parseClientFrame as parseClientFrameText, type ClientFrame } from '@spark/protocol';

// The frames and their parsing are @spark/protocol's (wire/parse-client-frame.ts); the socket adds bytes.
export type { ClientFrame } from '@spark/protocol';

/**
 * Parses one WebSocket message into a client event. Never throws: anything malformed becomes an
 * `error` result (a request-scoped error frame; the socket stays open).
 */
export function parseClientFrame(data: Buffer, isBinary: boolean): ClientFrame {
  if (isBinary) {
    return { kind: 'error', error: new ApiError(400, 'invalid_request_error', 'invalid_frame', 'Binary frames are not supported: send each client event as a JSON text frame.'), streamId: undefined };
  }
  return parseClientFrameText(data.toString('utf8'));
}
