import type { ModelInfo } from '@spark/engine';
import { apiErrors } from '@spark/protocol';
import type { RouteHandler, ServerDeps } from '../route-context.js';
import { sendJson } from '../send-json.js';

/** `GET /v1/models`: every model the engines serve. */
export function listModelsRoute(deps: ServerDeps): RouteHandler {
  return async ({ res }) => {
    sendJson(res, 200, { object: 'list', data: deps.resolver.listModels().map(toModel) });
  };
}

/** `GET /v1/models/{id}`. */
export function retrieveModelRoute(deps: ServerDeps): RouteHandler {
  return async ({ res, params }) => {
    const id = params['id'] ?? '';
    const model = deps.resolver.listModels().find((info) => info.id === id);
    if (!model) throw apiErrors.modelNotFound(id);
    sendJson(res, 200, toModel(model));
  };
}

/**
 * The model object; `context_window` (Spark) and `max_model_len` (vLLM's name, read by many
 * clients) carry the real context size, so agents can budget from it instead of guessing.
 */
function toModel(info: ModelInfo): { id: string; object: 'model'; created: number; owned_by: string; context_window: number; max_model_len: number } {
  return { id: info.id, object: 'model', created: info.createdAt, owned_by: info.ownedBy, context_window: info.contextSize, max_model_len: info.contextSize };
}
