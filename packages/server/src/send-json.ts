import type { ServerResponse } from 'node:http';
import type { ApiError } from '@spark/protocol';

/** Writes a complete JSON answer (`Content-Type: application/json`, which the SDK requires to parse it). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

/** Writes the spec error body `{"error": {message, type, param, code}}` with the error's status and headers. */
export function sendApiError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, error.toBody(), { ...headers, ...error.headers });
}
