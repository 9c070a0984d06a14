import type { InputItem } from '@spark/protocol';
import { abortedError, ClientError } from './client-error.js';
import { isTerminalEvent, type ClientEvent } from './client-events.js';
import type { ResolvedClientOptions } from './client-options.js';
import { readHttpError } from './http-error.js';
import { listModels } from './list-models.js';
import { parseServerMessage } from './parse-server-message.js';
import type { CreateParams, ModelEntry, ResponsesConnection, StreamOptions } from './responses-connection.js';
import { SseParser } from './sse-parser.js';

/** Why a stream's request was aborted, so the error names the right cause. */
type AbortCause = 'caller' | 'closed' | 'timeout';

/**
 * The Responses API over `POST {baseUrl}/responses` with `stream: true`, read as server-sent
 * events. Each stream is its own request on the global `fetch`, whose pool keeps connections
 * alive between turns. No per-connection server state: `previous_response_id` works only for
 * stored responses, and steering is not available.
 */
export class HttpResponsesConnection implements ResponsesConnection {
  readonly kind = 'http';
  readonly connectionEpoch = 0;
  /** Aborts each in-flight stream's request, for `close()`. */
  private readonly inFlight = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: ResolvedClientOptions) {}

  async *stream(params: CreateParams, streamOptions: StreamOptions = {}): AsyncGenerator<ClientEvent, void, undefined> {
    const { signal } = streamOptions;
    if (this.closed) throw closedError();
    if (signal?.aborted) throw abortedError(signal.reason);
    const controller = new AbortController();
    let cause: AbortCause | undefined;
    const abort = (why: AbortCause): void => {
      cause ??= why;
      controller.abort();
    };
    // A caller's abort once the stream is open asks the server to cancel the response and follows
    // it to its terminal event (a `cancelled` response with its usage), as `response.cancel`
    // does over a WebSocket; a server that refuses the cancel, or does not end the stream within
    // `cancelGraceMs`, gets the request aborted instead.
    let streaming = false;
    let responseId: string | undefined;
    let cancelling = false;
    let cancelSent = false;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const sendCancel = (): void => {
      if (cancelSent || responseId === undefined) return;
      cancelSent = true;
      fetch(`${this.options.baseUrl}/responses/${encodeURIComponent(responseId)}/cancel`, {
        method: 'POST', headers: this.options.headers, signal: AbortSignal.timeout(this.options.cancelGraceMs),
      }).then(async (answer) => {
        await answer.body?.cancel().catch(() => undefined);
        if (!answer.ok) abort('caller');
      }, () => abort('caller'));
    };
    const onAbort = (): void => {
      if (!streaming) { abort('caller'); return; }
      if (cancelling) return;
      cancelling = true;
      grace = setTimeout(() => abort('caller'), this.options.cancelGraceMs);
      sendCancel();
    };
    const onClose = (): void => abort('closed');
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight.add(onClose);
    const fail = (error: unknown, phase: 'connect' | 'read'): ClientError => {
      if (ClientError.is(error)) return error;
      switch (cause) {
        case 'caller': return abortedError(error);
        case 'closed': return closedError();
        case 'timeout': return new ClientError('connect_timeout', `The server did not answer within ${this.options.connectTimeoutMs} ms (connectTimeoutMs).`, { cause: error });
        case undefined: return phase === 'connect'
          ? new ClientError('connect_failed', 'Could not reach the server.', { cause: error })
          : new ClientError('connection_closed', 'The connection closed before the response ended.', { cause: error });
        default: {
          const unreachable: never = cause;
          return unreachable;
        }
      }
    };
    const timer = setTimeout(() => abort('timeout'), this.options.connectTimeoutMs);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let ended = false;
    try {
      let response: Response;
      try {
        response = await fetch(`${this.options.baseUrl}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...this.options.headers },
          body: JSON.stringify(httpBody(params)),
          signal: controller.signal,
        });
      } catch (error) {
        throw fail(error, 'connect');
      } finally {
        // The limit is on reaching the server; a long generation is not a timeout.
        clearTimeout(timer);
      }
      if (!response.ok) throw await readHttpError(response);
      if (!response.body || !isEventStream(response.headers.get('content-type'))) {
        await response.body?.cancel().catch(() => undefined);
        throw new ClientError('invalid_response', 'The server answered a streaming request without a text/event-stream body.', { status: response.status });
      }
      reader = response.body.getReader();
      streaming = true;
      const parser = new SseParser(this.options.maxEventBytes);
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw fail(error, 'read');
        }
        if (chunk.done) throw cancelling ? abortedError(undefined) : endedEarly();
        for (const message of parser.push(chunk.value)) {
          // Not part of the Responses API, but OpenAI-compatible servers that copy Chat Completions send it.
          if (message.data === '[DONE]') throw cancelling ? abortedError(undefined) : endedEarly();
          const parsed = parseServerMessage(message.data);
          if (parsed.kind === 'error') throw cancelling ? abortedError(parsed.error) : parsed.error;
          if (parsed.kind === 'ignored') continue;
          if (parsed.event.type === 'response.created' && responseId === undefined) {
            responseId = parsed.event.response.id;
            if (cancelling) sendCancel();
          }
          yield parsed.event;
          if (isTerminalEvent(parsed.event)) { ended = true; return; }
        }
      }
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
      signal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(onClose);
      // A caller that left early, or a failure, must not leave the server generating for nobody.
      if (!ended) controller.abort();
      // After the terminal event only the body's end is left: reading it keeps the connection
      // for the next turn (a cancelled body costs the next turn a connect and a TLS handshake).
      if (!ended || !(await readToEnd(reader, DRAIN_AFTER_TERMINAL_MS))) await reader?.cancel().catch(() => undefined);
    }
  }

  steer(_responseId: string, _input: string | InputItem[]): void {
    throw new ClientError('steering_not_supported', 'Steering needs the WebSocket transport; this connection uses HTTP.');
  }

  listModels(options: StreamOptions = {}): Promise<ModelEntry[]> {
    return listModels(this.options, options.signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const abort of [...this.inFlight]) abort();
  }
}

/** The HTTP body: `stream: true`, without the WebSocket-only lane. */
function httpBody(params: CreateParams): Record<string, unknown> {
  const { stream_id: _lane, ...body } = params;
  return { ...body, stream: true };
}

function isEventStream(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
}

function endedEarly(): ClientError {
  return new ClientError('connection_closed', 'The stream ended before the response\'s terminal event.');
}

function closedError(): ClientError {
  return new ClientError('connection_closed', 'The connection was closed by close().');
}

/** How long the end of a body may take after its terminal event before the body is cancelled instead. */
export const DRAIN_AFTER_TERMINAL_MS = 250;

/** Reads what is left of a body; false when it did not end in time (or failed). */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, timeoutMs: number): Promise<boolean> {
  if (reader === undefined) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
  const drained = (async (): Promise<boolean> => {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
    }
    // The pool takes the connection back a turn of the event loop after the body ended.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([drained, late]);
  } finally {
    clearTimeout(timer);
  }
}
