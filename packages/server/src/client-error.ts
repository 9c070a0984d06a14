import type { Duplex } from 'node:stream';
import { ApiError } from '@spark/protocol';
import { writeRawHttpError } from './write-raw-http-error.js';

/**
 * The `clientError` handler: requests Node's HTTP parser refuses never reach a route, and
 * Node's own answer has no body. This one answers them in the spec's error shape (431 for
 * oversized headers, 408 for a request that did not arrive in time, 400 for a malformed request
 * line such as an unknown method), then closes the connection.
 */
export function handleClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A peer that reset, or a socket that already carries an answer, gets nothing more.
  if (error.code === 'ECONNRESET' || !socket.writable || hasAnswerStarted(socket)) {
    socket.destroy();
    return;
  }
  writeRawHttpError(socket, clientErrorToApiError(error.code));
}

/** The spec error for a parser or timeout error code (`HPE_*`, `ERR_HTTP_REQUEST_TIMEOUT`). */
export function clientErrorToApiError(code: string | undefined): ApiError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'invalid_request_error', 'request_headers_too_large', 'The request headers are too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return new ApiError(408, 'invalid_request_error', 'request_timeout', 'The request did not arrive in time.');
    case 'HPE_INVALID_METHOD':
      return new ApiError(400, 'invalid_request_error', 'invalid_method', 'The request method is not valid HTTP.');
    default:
      return new ApiError(400, 'invalid_request_error', 'malformed_request', 'The request is not valid HTTP/1.1.');
  }
}

/** True when a response is already being written on this socket (a parse error mid-keep-alive). */
function hasAnswerStarted(socket: Duplex): boolean {
  const message = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return message?.headersSent === true;
}
