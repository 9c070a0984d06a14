import type { RouteHandler } from '../route-context.js';
import { sendJson } from '../send-json.js';

/** `GET /healthz`: open, even when API keys are required. */
export function healthRoute(): RouteHandler {
  return async ({ res }) => {
    sendJson(res, 200, { status: 'ok' });
  };
}
