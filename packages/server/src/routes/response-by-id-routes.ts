import { apiErrors } from '@spark/protocol';
import type { RouteHandler, ServerDeps } from '../route-context.js';
import { sendJson } from '../send-json.js';

/** `GET /v1/responses/{id}`: a stored response (or one this server is generating with store on). */
export function retrieveResponseRoute(deps: ServerDeps): RouteHandler {
  return async ({ res, params, url }) => {
    const id = params['id'] ?? '';
    if (url.searchParams.get('stream') === 'true') {
      throw apiErrors.invalidValue('stream', "Invalid value for 'stream': replaying a stored response as events is not supported.");
    }
    const stored = await deps.store.get(id);
    const response = stored?.response ?? deps.service.inFlightSnapshot(id);
    if (!response || !response.store) throw apiErrors.responseNotFound(id);
    sendJson(res, 200, response);
  };
}

/** `DELETE /v1/responses/{id}` -> `{id, object: "response", deleted: true}`. */
export function deleteResponseRoute(deps: ServerDeps): RouteHandler {
  return async ({ res, params }) => {
    const id = params['id'] ?? '';
    if (!(await deps.store.delete(id))) throw apiErrors.responseNotFound(id);
    sendJson(res, 200, { id, object: 'response', deleted: true });
  };
}

/** `POST /v1/responses/{id}/cancel`: stops an in-flight response, or returns a finished one as is. */
export function cancelResponseRoute(deps: ServerDeps): RouteHandler {
  return async ({ res, params }) => {
    sendJson(res, 200, await deps.service.cancel(params['id'] ?? ''));
  };
}
