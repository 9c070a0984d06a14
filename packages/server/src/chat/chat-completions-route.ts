import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ApiError } from '@spark/protocol';
import { httpClientKey } from '../admission/http-client-key.js';
import { readJsonBody } from '../read-json-body.js';
import type { RouteHandler, ServerDeps } from '../route-context.js';
import { sendJson } from '../send-json.js';
import type { Logger } from '../server-options.js';
import { SseWriter } from '../sse-writer.js';
import { toApiError } from '../to-api-error.js';
import { shuttingDown, toChatApiError } from './chat-api-error.js';
import { ChatChunks } from './chat-chunks.js';
import { ChatCompletionObject } from './chat-completion-object.js';
import type { ChatRun } from './chat-completions-service.js';
import { ChatOutput, toChatUsage } from './chat-output.js';
import { parseChatRequest } from './parse-chat-request.js';
import { StopCutter } from './stop-cutter.js';

/** The SSE line that ends every Chat Completions stream. */
const DONE = '[DONE]';

/**
 * `POST /v1/chat/completions`: one `chat.completion` as JSON, or `chat.completion.chunk`s over
 * SSE ended by `data: [DONE]`. Everything that fails before the engine's first event is an HTTP
 * error in OpenAI's shape; a failure mid-stream is a `data: {"error": ...}` frame, which the
 * official SDKs raise as an API error.
 */
export function chatCompletionsRoute(deps: ServerDeps): RouteHandler {
  return async ({ req, res }) => {
    try {
      const body = parseChatRequest(await readJsonBody(req, deps.limits.maxBodyBytes));
      const transport = new AbortController();
      res.once('close', () => { if (!res.writableFinished) transport.abort(); });
      const run = await deps.chat.start(body, transport.signal, httpClientKey(req));
      const header = { id: `chatcmpl-${randomBytes(24).toString('hex')}`, created: Math.floor(Date.now() / 1000), model: body.model };
      const stop = new StopCutter(body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop);
      if (body.stream === true) {
        await streamChunks(run, res, { ...header, includeUsage: body.stream_options?.include_usage === true }, stop, deps);
      } else {
        await answerJson(run, res, header, stop);
      }
    } catch (error) {
      throw toChatApiError(toApiError(error, deps.limits.retryAfterSeconds));
    }
  };
}

async function streamChunks(
  run: ChatRun, res: ServerResponse, header: { id: string; created: number; model: string; includeUsage: boolean }, stop: StopCutter, deps: ServerDeps,
): Promise<void> {
  const writer = new SseWriter(res, { keepAliveMs: deps.limits.keepAliveMs });
  const batch: string[] = [];
  const chunks = new ChatChunks(header, batch);
  const output = new ChatOutput(chunks, stop, () => run.stop());
  chunks.start();
  try {
    try {
      for await (const event of run.events) {
        output.push(event);
        for (let index = 0; index < batch.length; index += 1) {
          const full = writer.sendData(batch[index] as string);
          if (full) await full;
        }
        batch.length = 0;
        // Leaving the loop stops the engine and hands its slot back.
        if (writer.closed) return;
      }
    } catch (error) {
      await writeError(writer, error, deps.limits.retryAfterSeconds, deps.logger);
      return;
    }
    if (output.finishReason === undefined || output.interrupted) {
      await writer.sendData(JSON.stringify((output.interrupted ? shuttingDown() : toApiError(undefined, deps.limits.retryAfterSeconds)).toBody()));
      return;
    }
    chunks.finish(output.finishReason, output.usage && toChatUsage(output.usage));
    for (const data of batch) await writer.sendData(data);
    await writer.sendData(DONE);
  } finally {
    writer.end();
  }
}

/** A failure after the first byte: an `{"error": ...}` frame, with the same mapping as an HTTP error. */
async function writeError(writer: SseWriter, error: unknown, retryAfterSeconds: number, logger: Logger): Promise<void> {
  const apiError = toChatApiError(toApiError(error, retryAfterSeconds));
  if (apiError.status >= 500) logger.error(`chat completion failed mid-stream: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
  await writer.sendData(JSON.stringify(apiError.toBody()));
}

async function answerJson(run: ChatRun, res: ServerResponse, header: { id: string; created: number; model: string }, stop: StopCutter): Promise<void> {
  const completion = new ChatCompletionObject(header);
  const output = new ChatOutput(completion, stop, () => run.stop());
  for await (const event of run.events) output.push(event);
  if (res.destroyed) return;
  if (output.interrupted) throw shuttingDown();
  if (output.finishReason === undefined) throw new ApiError(500, 'server_error', 'server_error', 'The model stopped without finishing its answer.');
  sendJson(res, 200, completion.build(output.finishReason, output.usage && toChatUsage(output.usage)));
}
