import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiError } from '@spark/protocol';

/** How long a socket that got a raw error answer may take to read it before it is dropped. */
export const RAW_ERROR_CLOSE_GRACE_MS = 5_000;

/**
 * An HTTP error answer with the spec body, written on a raw socket that has no `ServerResponse`
 * (a refused WebSocket upgrade, a request Node's parser rejected), then the socket is closed:
 * half-closed once written, so the peer reads the answer, and dropped after a grace period.
 */
export function writeRawHttpError(socket: Duplex, error: ApiError, extraHeaders: Record<string, string> = {}): void {
  if (!socket.writable) { socket.destroy(); return; }
  const body = JSON.stringify(error.toBody());
  const headers: Record<string, string> = {
    ...error.headers,
    ...extraHeaders,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const head = [`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  // Keep reading (and discarding) what the peer still sends, so it gets no reset before our answer.
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), RAW_ERROR_CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
