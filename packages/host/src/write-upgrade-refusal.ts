import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiError } from '@spark/protocol';

/** How long a refused upgrade's socket may take to read the answer before it is dropped. */
export const REFUSAL_CLOSE_GRACE_MS = 5_000;

/**
 * Answers a refused WebSocket upgrade with an HTTP error in the OpenAI error shape on the raw
 * socket, as the server does for its own upgrades: half-closed once written, so the peer reads
 * it, and dropped after a grace period.
 */
export function writeUpgradeRefusal(socket: Duplex, error: ApiError): void {
  if (!socket.writable) { socket.destroy(); return; }
  const body = JSON.stringify(error.toBody());
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
    'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), REFUSAL_CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
