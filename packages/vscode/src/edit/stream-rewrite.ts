import type { CreateResponseBody } from '@spark/protocol';
import { applyHunks, streamingHunks } from './edit-hunks.js';
import { rewrittenSelection } from './edit-request.js';
import { ResponseTextReader } from './sse-text.js';

/** How often the proposal is redrawn while tokens arrive. */
export const EDIT_REDRAW_MS = 50;

export interface RewriteStreamOptions {
  /** Base URL of `spark serve` (or any Responses server), without `/v1`. */
  readonly url: string;
  readonly apiKey?: string | undefined;
  readonly request: CreateResponseBody;
  /** The selection being rewritten: the proposals are it with the hunks streamed so far. */
  readonly original: string;
  readonly signal?: AbortSignal;
  readonly redrawMs?: number;
  /** Called with the proposed selection at most every `redrawMs` while streaming, then once with the final one. */
  readonly onProposal: (selection: string) => void;
}

/**
 * Streams a selection rewrite from `/v1/responses` and draws it as it comes: the complete lines
 * so far diffed against the original, the original's rest kept until rewritten. Resolves with
 * the final rewritten selection. Shared by the extension and `npm run bench`'s editor view, so
 * the bench times the code the editor runs.
 */
export async function streamRewrite(options: RewriteStreamOptions): Promise<string> {
  const { original, onProposal } = options;
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
  const body = response.body.getReader();
  try {
    for (;;) {
      const { done, value: chunk } = await body.read();
      if (done) break;
      for (const event of reader.push(decoder.decode(chunk, { stream: true }))) {
        if (event.type === 'error') throw new Error(event.message);
        if (event.type === 'done') {
          const final = rewrittenSelection(original, text);
          onProposal(final);
          return final;
        }
        text += event.text;
      }
      if (Date.now() - drawn >= redrawMs) {
        drawn = Date.now();
        onProposal(applyHunks(original, streamingHunks(original, text), 'all'));
      }
    }
  } finally {
    // Cancelling (not only releasing) closes the connection when the loop leaves early.
    await body.cancel().catch(() => undefined);
  }
  throw new Error('the stream ended before the response completed.');
}
