import { ClientError, connectResponses } from '@spark/client';
import type { CreateResponseBody } from '@spark/protocol';

/** How often the proposal is redrawn while tokens arrive. */
export const EDIT_REDRAW_MS = 50;

export interface RewriteStreamOptions {
  /** Base URL of `spark serve` (or any Responses server), without `/v1`. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  readonly request: CreateResponseBody;
  readonly signal?: AbortSignal;
  readonly redrawMs?: number;
  /** The reply so far, at most every `redrawMs` while it streams (not called with the final text). */
  readonly onText: (text: string) => void;
}

export interface RewriteStreamResult {
  /** The whole reply, as the model wrote it. */
  readonly text: string;
  /** `usage.output_tokens` of the completed response, null when the server sent none. */
  readonly outputTokens: number | null;
  /** `Date.now()` when the first text arrived, null when none did. */
  readonly firstTextAt: number | null;
}

/**
 * Streams a selection rewrite from `/v1/responses` over @spark/client's HTTP+SSE transport: the
 * reply so far at every redraw, then the whole reply once the response completed. An HTTP error,
 * an error event or a stream cut short rejects with the client's `ClientError`; a failed or
 * incomplete response with one coded `response_failed` / `response_incomplete`; an abort with
 * its `aborted` (named `AbortError`). Shared by the extension and `npm run bench`'s editor view,
 * so the bench times the code the editor runs.
 */
export async function streamRewrite(options: RewriteStreamOptions): Promise<RewriteStreamResult> {
  const redrawMs = options.redrawMs ?? EDIT_REDRAW_MS;
  // HTTP, not WebSocket: one request per edit, nothing to keep open between edits.
  const connection = await connectResponses({ baseUrl: `${options.url}/v1`, transport: 'http', ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }) });
  let text = '';
  let drawn = 0;
  let firstTextAt: number | null = null;
  try {
    for await (const event of connection.stream(options.request, options.signal === undefined ? {} : { signal: options.signal })) {
      switch (event.type) {
        case 'response.output_text.delta':
          firstTextAt ??= Date.now();
          text += event.delta;
          if (Date.now() - drawn >= redrawMs) {
            drawn = Date.now();
            options.onText(text);
          }
          break;
        case 'response.completed':
          return { text, outputTokens: event.response.usage?.output_tokens ?? null, firstTextAt };
        case 'response.incomplete':
          // An abort cancels the response on the server, whose stream then ends with it cancelled.
          if (options.signal?.aborted === true) throw new ClientError('aborted', 'The rewrite was cancelled.', { cause: options.signal.reason });
          throw new ClientError('response_incomplete', 'The response stopped before the rewrite was complete (incomplete).');
        case 'response.failed':
          throw new ClientError('response_failed', event.response.error?.message ?? 'The response failed.');
        default:
          break;
      }
    }
  } finally {
    await connection.close();
  }
  // Not reached: the client's stream ends with a terminal event (each handled above) or throws.
  throw new ClientError('connection_closed', 'The stream ended before the response completed.');
}
