import { apiErrors } from '@spark/protocol';
import type { RouteHandler } from '../route-context.js';

/**
 * `GET /v1/responses` without an upgrade: 405 (only `POST` creates responses). Upgrade requests
 * never reach the router: the WebSocket transport (`websocket/ws-upgrade.ts`) takes them.
 */
export function websocketUpgradeRoute(): RouteHandler {
  return async ({ req, res }) => {
    res.setHeader('allow', 'POST');
    throw apiErrors.methodNotAllowed(req.method ?? 'GET');
  };
}
