import { EngineError, type EngineErrorCode } from '@spark/engine';
import { chatErrorMessage } from '@spark/protocol';

/**
 * The engine error for an upstream's refusal: its status decides the code, its own message is
 * kept (so a user sees "model X does not exist" or "context length exceeded"), and the API key
 * Spark sent is never in it, even where an upstream echoes it (OpenAI's 401 quotes a masked key).
 * 429 and 503 carry the upstream's `Retry-After` as `retryAfterMs`.
 */
export function chatUpstreamError(status: number, retryAfter: string | undefined, bodyText: string, apiKey: string | undefined): EngineError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText) as unknown;
  } catch {
    body = undefined;
  }
  const found = chatErrorMessage(body) ?? (bodyText.trim().slice(0, 500) || `HTTP ${status}`);
  const message = `Upstream answered ${status}: ${redactKey(found, apiKey)}`;
  const retryAfterMs = retryAfterToMs(retryAfter);
  return new EngineError(chatEngineErrorCode(status, body), message, retryAfterMs === undefined ? undefined : { retryAfterMs });
}

/**
 * The Spark error code for an upstream failure. 400/413/422 are the client's request (so
 * `invalid_request`, or `context_length_exceeded` when the upstream says so); 404 is an unknown
 * model; 429, 503 and 529 mean busy (`overloaded`, which the server turns into 429 +
 * `Retry-After`); 401/403 and other 5xx are Spark's configuration or the upstream's fault
 * (`internal`: a 500 whose message the server does not show).
 */
export function chatEngineErrorCode(status: number | undefined, body: unknown): EngineErrorCode {
  if (mentionsContextLength(body)) return 'context_length_exceeded';
  if (status === undefined) return 'internal';
  if (status === 404) return 'model_not_found';
  if (status === 429 || status === 503 || status === 529) return 'overloaded';
  if (status === 400 || status === 413 || status === 422) return 'invalid_request';
  return 'internal';
}

function mentionsContextLength(body: unknown): boolean {
  const text = JSON.stringify(body ?? null).toLowerCase();
  return text.includes('context_length_exceeded') || text.includes('maximum context length') || text.includes('exceeds the available context size') || text.includes('context window');
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterToMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Removes the key, and anything that looks like a masked echo of a key (`sk-...****abcd`). */
export function redactKey(text: string, apiKey: string | undefined): string {
  let out = apiKey && apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
  out = out.replace(/\S*\*{4,}\S*/g, '[redacted]');
  return out;
}
