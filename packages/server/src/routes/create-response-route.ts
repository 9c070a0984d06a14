import type { ServerResponse } from 'node:http';
import { parseCreateResponse } from '@spark/protocol';
import { httpClientKey } from '../admission/http-client-key.js';
import { readJsonBody } from '../read-json-body.js';
import type { RouteHandler, ServerDeps } from '../route-context.js';
import { isTerminal } from '@spark/protocol';
import type { ResponseRun } from '../responses-service.js';
import { sendJson } from '../send-json.js';
import { SseWriter } from '../sse-writer.js';
import { responseErrorToApiError } from '../to-api-error.js';

/**
 * `POST /v1/responses`: JSON or SSE. Everything that can fail before the engine's first event
 * fails as a plain HTTP error; after that, failures travel inside the response.
 */
export function createResponseRoute(deps: ServerDeps): RouteHandler {
  return async ({ req, res }) => {
    const body = parseCreateResponse(await readJsonBody(req, deps.limits.maxBodyBytes));
    const transport = new AbortController();
    const onClose = (): void => { if (!res.writableFinished) transport.abort(); };
    res.once('close', onClose);
    const run = await deps.service.create(body, { signal: transport.signal, client: httpClientKey(req) });
    if (body.stream) await streamSse(run, res, deps.limits.keepAliveMs);
    else await answerJson(run, res);
  };
}

async function streamSse(run: ResponseRun, res: ServerResponse, keepAliveMs: number): Promise<void> {
  const writer = new SseWriter(res, { keepAliveMs });
  try {
    for await (const event of run.events) {
      // Leaving the loop interrupts the generation; the run still stores the partial response.
      if (writer.closed) break;
      const full = writer.send(event);
      if (full) await full;
    }
  } finally {
    writer.end();
  }
}

async function answerJson(run: ResponseRun, res: ServerResponse): Promise<void> {
  let final;
  for await (const event of run.events) {
    if (isTerminal(event)) final = event.response;
  }
  if (!final || res.destroyed) return;
  if (final.status === 'failed' && final.error) throw responseErrorToApiError(final.error);
  sendJson(res, 200, final);
}
