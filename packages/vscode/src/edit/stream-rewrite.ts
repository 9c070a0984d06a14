import type { CreateResponseBody } from '@spark/protocol';
import { ResponseTextReader } from './sse-text.js';

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
 * Streams a selection rewrite from `/v1/responses`: the reply so far at every redraw, then the
 * whole reply once the response completed; an error event, an incomplete response or a stream cut
 * short rejects. Shared by the extension and `npm run bench`'s editor view, so the bench times the
 * code the editor runs.
 */
export async function streamRewrite(options: RewriteStreamOptions): Promise<RewriteStreamResult> {
  const redrawMs = options.redrawMs ?? EDIT_REDRAW_MS;
  const response = await fetch(`${options.url}/v1/responses`, {
    method: 'POST', body: JSON.stringify(options.request), ...(options.signal === undefined ? {} : { signal: options.signal }),
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }) },
  });
  if (!response.ok || response.body === null) throw new Error(`the server answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const reader = new ResponseTextReader();
  const decoder = new TextDecoder();
  let text = '';
  let drawn = 0;
  let firstTextAt: number | null = null;
  const body = response.body.getReader();
  try {
    for (;;) {
      const { done, value: chunk } = await body.read();
      if (done) break;
      for (const event of reader.push(decoder.decode(chunk, { stream: true }))) {
        if (event.type === 'error') throw new Error(event.message);
        if (event.type === 'done') return { text, outputTokens: event.outputTokens, firstTextAt };
        firstTextAt ??= Date.now();
        text += event.text;
      }
      if (Date.now() - drawn >= redrawMs) {
        drawn = Date.now();
        options.onText(text);
      }
    }
  } finally {
    // Cancelling (not only releasing) closes the connection when the loop leaves early.
    await body.cancel().catch(() => undefined);
  }
  throw new Error('the stream ended before the response completed.');
}
