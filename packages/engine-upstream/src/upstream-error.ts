import { EngineError } from '@spark/engine';

/** What an upstream answered when it refused or failed, transport-neutral. */
export interface UpstreamFailure {
  /** HTTP status (or a WebSocket error frame's HTTP-equivalent status); absent for network failures. */
  status?: number;
  /** The upstream's `error.code`, when it sent one. */
  code?: string;
  message: string;
  param?: string | null;
  /** The upstream's `Retry-After` header value, verbatim. */
  retryAfter?: string;
}

/** Longest upstream message kept in an error (upstream pages of HTML are not useful to a client). */
export const MAX_UPSTREAM_MESSAGE_CHARS = 1_000;

/** Things that look like credentials, masked or not: `sk-...`, `Bearer ...`, `key-...`. */
const CREDENTIAL_PATTERN = /\b(?:Bearer\s+\S+|(?:sk|pk|rk|key|gsk|csk)[-_][A-Za-z0-9_*.-]{6,})/gi;

/**
 * Removes the key (and anything shaped like a credential: OpenAI's 401 quotes a masked key) from
 * an upstream's message before it reaches a client or a log.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  let redacted = secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
  redacted = redacted.replace(CREDENTIAL_PATTERN, '[redacted]');
  return redacted.length > MAX_UPSTREAM_MESSAGE_CHARS ? `${redacted.slice(0, MAX_UPSTREAM_MESSAGE_CHARS)}…` : redacted;
}

/** `Retry-After` (delay-seconds or an HTTP date, RFC 9110) in ms; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Maps an upstream's refusal to the engine error the server answers with once: 400 keeps being
 * the client's mistake, 401/403 are the operator's (the key Spark holds), 404 on the model is
 * model_not_found, 429 a rate limit with its `Retry-After`, anything else (5xx, network) an
 * upstream failure. The upstream's message is kept, its key never.
 */
export function toUpstreamEngineError(provider: string, failure: UpstreamFailure, secret: string | undefined): EngineError {
  const message = redactSecret(failure.message, secret);
  const said = `Upstream '${provider}'${failure.status === undefined ? '' : ` answered ${failure.status}`}: ${message}`;
  const param = failure.param ?? undefined;
  const retryAfterMs = parseRetryAfterMs(failure.retryAfter);
  const cause = { cause: { status: failure.status, code: failure.code } };
  const status = failure.status;
  if (failure.code === 'context_length_exceeded') {
    return new EngineError('context_length_exceeded', message, { ...cause, ...(param ? { param } : {}) });
  }
  if (status === 429) return new EngineError('rate_limited', said, { ...cause, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  if (status === 401 || status === 403) return new EngineError('upstream_auth', said, cause);
  if (status === 404 && (failure.code === 'model_not_found' || param === 'model')) {
    return new EngineError('model_not_found', message, { ...cause, param: 'model' });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 404 && status !== 408) {
    return new EngineError('invalid_request', message, { ...cause, ...(param ? { param } : {}) });
  }
  return new EngineError('upstream_error', said, { ...cause, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

/** Whether a failure before the first event is worth another try: network, timeouts, 408, 429, 5xx. */
export function isRetryableFailure(failure: UpstreamFailure): boolean {
  const { status } = failure;
  return status === undefined || status === 408 || status === 429 || status >= 500;
}
