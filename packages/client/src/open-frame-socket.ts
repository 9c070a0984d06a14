import { WebSocket, type RawData } from 'ws';
import { abortedError, ClientError } from './client-error.js';
import { httpError, MAX_ERROR_BODY_BYTES } from './http-error.js';

/** How long a closing handshake may take before the socket is dropped. */
export const CLOSE_HANDSHAKE_TIMEOUT_MS = 1_000;

/** An open WebSocket that carries JSON text frames; the one place this package touches `ws`. */
export interface FrameSocket {
  readonly open: boolean;
  /** Settles once the socket is closed, whoever closed it. */
  readonly closed: Promise<void>;
  /** Sends one text frame; a socket that is no longer open drops it (its close reports the failure). */
  send(text: string): void;
  /** Closing handshake with 1000; dropped if the peer does not answer within `CLOSE_HANDSHAKE_TIMEOUT_MS`. */
  close(): void;
  /** Drops the connection at once. */
  terminate(): void;
}

export interface FrameSocketHandlers {
  onFrame(text: string): void;
  /** Once, when the socket is gone: why, as the error streams still running should throw. */
  onClose(error: ClientError): void;
}

export interface OpenFrameSocketOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** Larger frames close the socket (1009) and end it with `event_too_large`. */
  maxFrameBytes: number;
  signal?: AbortSignal;
}

/**
 * Opens a WebSocket. An upgrade the server refuses rejects with the HTTP error it answered
 * (status kept: 426 means "use HTTP", 401 a bad key); a network failure with `connect_failed`.
 */
export function openFrameSocket(url: string, options: OpenFrameSocketOptions, handlers: FrameSocketHandlers): Promise<FrameSocket> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortedError(signal.reason));
  return new Promise((resolve, reject) => {
    // permessage-deflate not offered: frames are small JSON and inflating costs memory per socket.
    const ws = new WebSocket(url, { headers: options.headers, maxPayload: options.maxFrameBytes, perMessageDeflate: false });
    let settled = false;
    const settle = (error: ClientError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('error', onError);
      if (error === undefined) { resolve(wrap(ws, handlers)); return; }
      // A late `error` from the aborted handshake must not crash the process.
      ws.on('error', () => undefined);
      ws.terminate();
      reject(error);
    };
    const onOpen = (): void => settle(undefined);
    const onError = (error: Error): void => {
      settle(new ClientError('connect_failed', `Could not open the WebSocket: ${error.message}`, { cause: error }));
    };
    const onAbort = (): void => settle(abortedError(signal?.reason));
    const timer = setTimeout(() => {
      settle(new ClientError('connect_timeout', `The WebSocket did not open within ${options.timeoutMs} ms (connectTimeoutMs).`));
    }, options.timeoutMs);
    ws.on('open', onOpen);
    ws.on('error', onError);
    ws.on('unexpected-response', (_request, response) => {
      // The refusal's body is the HTTP error (spec §3.1): read it, bounded, then drop the request.
      let body = '';
      const done = (): void => {
        const retryAfter = response.headers['retry-after'];
        settle(httpError(response.statusCode ?? 0, body, typeof retryAfter === 'string' ? retryAfter : null));
      };
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        if (body.length + text.length <= MAX_ERROR_BODY_BYTES) body += text;
        else done();
      });
      response.once('end', done);
      response.once('close', done);
      response.once('error', done);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Attaches the frame and close handlers to an open socket. */
function wrap(ws: WebSocket, handlers: FrameSocketHandlers): FrameSocket {
  let failure: ClientError | undefined;
  const fail = (error: ClientError): void => {
    failure ??= error;
  };
  ws.on('error', (error: Error & { code?: string }) => {
    // `ws` closes with 1009 itself and reports it here first.
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      fail(new ClientError('event_too_large', 'The server sent a WebSocket frame larger than maxEventBytes.', { cause: error }));
    } else {
      fail(new ClientError('connection_closed', `The WebSocket failed: ${error.message}`, { cause: error }));
    }
  });
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      fail(new ClientError('invalid_event', 'The server sent a binary WebSocket frame; the Responses API uses JSON text frames.'));
      ws.terminate();
      return;
    }
    handlers.onFrame(toText(data));
  });
  let closeTimer: ReturnType<typeof setTimeout> | undefined;
  const closed = new Promise<void>((resolve) => {
    ws.once('close', (code: number) => {
      clearTimeout(closeTimer);
      handlers.onClose(failure ?? new ClientError('connection_closed', `The WebSocket closed (code ${code}).`));
      resolve();
    });
  });
  return {
    get open() { return ws.readyState === WebSocket.OPEN; },
    closed,
    send: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    close: () => {
      if (ws.readyState !== WebSocket.OPEN) { ws.terminate(); return; }
      fail(new ClientError('connection_closed', 'The connection was closed by close().'));
      ws.close(1000);
      closeTimer = setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS);
    },
    terminate: () => ws.terminate(),
  };
}

const decoder = new TextDecoder();

function toText(data: RawData): string {
  if (!Array.isArray(data)) return decoder.decode(data);
  const joined = new Uint8Array(data.reduce((total, piece) => total + piece.length, 0));
  let offset = 0;
  for (const piece of data) { joined.set(piece, offset); offset += piece.length; }
  return decoder.decode(joined);
}
