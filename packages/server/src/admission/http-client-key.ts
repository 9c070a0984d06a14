import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The admission client of an HTTP request: its remote address, and its credential when it sends
 * one (users behind one address with their own keys are separate clients). Not the TCP
 * connection: a client with many requests in flight opens many. The credential enters only as a
 * short hash, so the key can never leak it.
 */
export function httpClientKey(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  const authorization = req.headers.authorization;
  if (!authorization) return `http ${address}`;
  return `http ${address} ${createHash('sha256').update(authorization).digest('hex').slice(0, 16)}`;
}
