import { ApiError, apiErrors } from '@spark/protocol';
import type { RouteHandler } from '../route-context.js';
import { sendApiError } from '../send-json.js';

/**
 * `GET /v1/responses`: the WebSocket mode's handshake URL. Until that transport exists, an
 * upgrade request gets 426 (clients such as Codex then fall back to HTTP); a plain GET is 405.
 */
export function websocketUpgradeRoute(): RouteHandler {
  return async ({ req, res }) => {
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
      res.setHeader('allow', 'POST');
      throw apiErrors.methodNotAllowed(req.method ?? 'GET');
    }
    res.setHeader('connection', 'close');
    sendApiError(res, new ApiError(426, 'invalid_request_error', 'websocket_not_supported', 'This server does not support the WebSocket mode yet; use HTTP POST /v1/responses.'));
  };
}
