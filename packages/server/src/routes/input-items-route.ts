import { apiErrors } from '@spark/protocol';
import type { InputItemsQuery } from '../response-store.js';
import type { RouteHandler, ServerDeps } from '../route-context.js';
import { sendJson } from '../send-json.js';

/** Items per page when `limit` is absent. */
export const DEFAULT_INPUT_ITEMS_LIMIT = 20;
export const MAX_INPUT_ITEMS_LIMIT = 100;

/** `GET /v1/responses/{id}/input_items`: a cursor page of the response's resolved input. */
export function inputItemsRoute(deps: ServerDeps): RouteHandler {
  return async ({ res, params, url }) => {
    const id = params['id'] ?? '';
    const page = await deps.store.listInputItems(id, parseQuery(url.searchParams));
    if (!page) throw apiErrors.responseNotFound(id);
    sendJson(res, 200, {
      object: 'list',
      data: page.data,
      first_id: page.data[0]?.id ?? null,
      last_id: page.data.at(-1)?.id ?? null,
      has_more: page.hasMore,
    });
  };
}

function parseQuery(search: URLSearchParams): InputItemsQuery {
  const rawLimit = search.get('limit');
  const limit = rawLimit === null ? DEFAULT_INPUT_ITEMS_LIMIT : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INPUT_ITEMS_LIMIT) {
    throw apiErrors.invalidValue('limit', `Invalid value for 'limit': expected an integer from 1 to ${MAX_INPUT_ITEMS_LIMIT}.`);
  }
  const order = search.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw apiErrors.invalidValue('order', "Invalid value for 'order': expected 'asc' or 'desc'.");
  const after = search.get('after');
  return { limit, order, ...(after ? { after } : {}) };
}
