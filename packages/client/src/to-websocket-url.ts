/**
 * The WebSocket endpoint of a base URL, derived as the SDK and Codex do (spec §3.1):
 * `http://127.0.0.1:8000/v1` -> `ws://127.0.0.1:8000/v1/responses`, https -> wss.
 */
export function toWebSocketUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/responses`;
  return url.toString();
}
