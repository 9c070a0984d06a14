/**
 * How long Spark waits on an upstream, and how it retries. Every limit has a named default; a
 * provider's config entry may override each one.
 */

/** Opening the connection (TCP and TLS, or the WebSocket), or waiting for an HTTP answer's headers. */
export const DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;
/**
 * From sending the request to the upstream's first event. Long enough for a cold prefill of a
 * large prompt on a busy server (vLLM and llama-server hold their headers until the prompt is
 * prefilled); a generation's length after that is never a timeout.
 */
export const DEFAULT_UPSTREAM_FIRST_BYTE_TIMEOUT_MS = 120_000;
/** How long a started stream may stay silent before it counts as cut. */
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 120_000;
/** Tries per generation (the first included); retries happen only before the first event. */
export const DEFAULT_UPSTREAM_MAX_ATTEMPTS = 3;
/** First backoff delay; it doubles per retry, with jitter, up to `DEFAULT_UPSTREAM_MAX_RETRY_DELAY_MS`. */
export const DEFAULT_UPSTREAM_RETRY_BASE_MS = 250;
/** Longest backoff before a retry. */
export const DEFAULT_UPSTREAM_MAX_RETRY_DELAY_MS = 8_000;
/**
 * A 429 or 503 whose `Retry-After` asks for at most this long is waited out and retried; a
 * longer one goes to the client at once, with that `Retry-After` (it, not a held request, should
 * wait: a real-time user would rather see the wait than sit in it).
 */
export const DEFAULT_UPSTREAM_MAX_RETRY_AFTER_MS = 2_000;
/** Idle upstream WebSockets kept open for the next generation; more are closed when they go idle. */
export const DEFAULT_UPSTREAM_MAX_IDLE_SOCKETS = 8;
/** An idle upstream WebSocket is closed after this long (its chains then resend their history). */
export const DEFAULT_UPSTREAM_SOCKET_IDLE_MS = 5 * 60_000;
/** The longest SSE line read from a Chat Completions upstream: one chunk of a sane stream is far smaller. */
export const DEFAULT_UPSTREAM_MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Every upstream limit, resolved: one set for both wire APIs, each field settable per provider
 * (`limits` in its config entry). The socket-pool fields apply to Responses upstreams over
 * WebSocket, `maxLineBytes` and `idleTimeoutMs` to the byte streams Spark reads itself.
 */
export interface UpstreamLimits {
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  maxRetryAfterMs: number;
  maxIdleSockets: number;
  socketIdleMs: number;
  maxLineBytes: number;
}

export const DEFAULT_UPSTREAM_LIMITS: Readonly<UpstreamLimits> = Object.freeze({
  connectTimeoutMs: DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS,
  firstByteTimeoutMs: DEFAULT_UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
  idleTimeoutMs: DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
  maxAttempts: DEFAULT_UPSTREAM_MAX_ATTEMPTS,
  retryBaseMs: DEFAULT_UPSTREAM_RETRY_BASE_MS,
  maxRetryDelayMs: DEFAULT_UPSTREAM_MAX_RETRY_DELAY_MS,
  maxRetryAfterMs: DEFAULT_UPSTREAM_MAX_RETRY_AFTER_MS,
  maxIdleSockets: DEFAULT_UPSTREAM_MAX_IDLE_SOCKETS,
  socketIdleMs: DEFAULT_UPSTREAM_SOCKET_IDLE_MS,
  maxLineBytes: DEFAULT_UPSTREAM_MAX_LINE_BYTES,
});

/** The limit names a config entry may set. */
export const UPSTREAM_LIMIT_NAMES = Object.freeze(Object.keys(DEFAULT_UPSTREAM_LIMITS) as Array<keyof UpstreamLimits>);

/** Merges partial limits over the defaults; rejects nonsense early (at configuration, not mid-request). */
export function resolveUpstreamLimits(partial: Partial<UpstreamLimits> = {}): UpstreamLimits {
  const limits: UpstreamLimits = { ...DEFAULT_UPSTREAM_LIMITS };
  for (const key of UPSTREAM_LIMIT_NAMES) {
    const value = partial[key];
    if (value === undefined) continue;
    const minimum = key === 'maxAttempts' || key === 'maxLineBytes' ? 1 : 0;
    if (!Number.isFinite(value) || value < minimum) throw new TypeError(`upstream limit ${key} must be a number >= ${minimum}.`);
    limits[key] = value;
  }
  return limits;
}

/** Backoff before retry number `retry` (1-based): base * 2^(retry-1), jittered by up to half, capped. */
export function backoffDelayMs(retry: number, baseMs: number, maxMs: number): number {
  const exponential = baseMs * 2 ** (retry - 1);
  return Math.min(maxMs, exponential * (0.5 + Math.random() / 2));
}

/**
 * The context window assumed for a model whose provider does not report one (OpenAI, Cerebras,
 * Ollama list none): what today's hosted coding models offer. The agent budgets its context from
 * it; an upstream that holds less answers `context_length_exceeded`, which the client sees as is.
 */
export const DEFAULT_UPSTREAM_CONTEXT_WINDOW = 131_072;
