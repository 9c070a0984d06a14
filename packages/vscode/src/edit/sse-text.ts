/** Largest SSE event the reader keeps while waiting for its end; a bigger one is not a Responses stream. */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024;

/** What a Responses stream says, as far as a text rewrite needs it. */
export type TextStreamEvent =
  | { readonly type: 'delta'; readonly text: string }
  /** The response completed; `outputTokens` from its usage, null when the server sent none. */
  | { readonly type: 'done'; readonly outputTokens: number | null }
  | { readonly type: 'error'; readonly message: string };

/**
 * Reads a Responses API SSE stream chunk by chunk into text deltas, the end and errors;
 * other events are skipped. Chunks may split events and lines anywhere.
 */
export class ResponseTextReader {
  private buffer = '';

  /** The events completed by `chunk`. */
  push(chunk: string): TextStreamEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const events: TextStreamEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event = parseBlock(block);
      if (event !== undefined) events.push(event);
    }
    if (this.buffer.length > MAX_SSE_EVENT_CHARS) {
      this.buffer = '';
      events.push({ type: 'error', message: `An event of the stream is longer than ${MAX_SSE_EVENT_CHARS} characters.` });
    }
    return events;
  }
}

function parseBlock(block: string): TextStreamEvent | undefined {
  const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
  if (data === '' || data === '[DONE]') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { type: 'error', message: 'The server sent an event that is not JSON.' };
  }
  if (!isRecord(value)) return undefined;
  switch (value['type']) {
    case 'response.output_text.delta':
      return typeof value['delta'] === 'string' ? { type: 'delta', text: value['delta'] } : undefined;
    case 'response.completed': {
      const response = value['response'];
      const usage = isRecord(response) ? response['usage'] : undefined;
      const tokens = isRecord(usage) ? usage['output_tokens'] : undefined;
      return { type: 'done', outputTokens: typeof tokens === 'number' && Number.isFinite(tokens) ? tokens : null };
    }
    case 'response.incomplete':
      return { type: 'error', message: 'The response stopped before the rewrite was complete (incomplete).' };
    case 'response.failed': {
      const response = value['response'];
      const error = isRecord(response) ? response['error'] : undefined;
      return { type: 'error', message: isRecord(error) && typeof error['message'] === 'string' ? error['message'] : 'The response failed.' };
    }
    case 'error':
      return { type: 'error', message: typeof value['message'] === 'string' ? value['message'] : 'The server reported an error.' };
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
