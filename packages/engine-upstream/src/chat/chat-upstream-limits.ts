import { DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS, DEFAULT_UPSTREAM_FIRST_BYTE_TIMEOUT_MS } from '../upstream-limits.js';

/** How long opening the TCP (and TLS) connection to a Chat Completions upstream may take: as for every upstream. */
export const DEFAULT_CHAT_CONNECT_TIMEOUT_MS = DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS;
/**
 * How long the upstream may take, once the request is sent, to answer with its status line: as
 * for every upstream. Generous: some servers (vLLM, llama-server) hold the headers until the
 * prompt is prefilled, and a long prompt on a busy GPU takes a while.
 */
export const DEFAULT_CHAT_FIRST_BYTE_TIMEOUT_MS = DEFAULT_UPSTREAM_FIRST_BYTE_TIMEOUT_MS;
/** How long a started stream may stay silent before it counts as cut. */
export const DEFAULT_CHAT_IDLE_TIMEOUT_MS = 120_000;
/** Extra attempts after a failure before the first byte (refused, reset, timeout, 502/503/504, short 429). */
export const DEFAULT_CHAT_MAX_RETRIES = 2;
/** The first retry waits this long; each later one twice as long (plus jitter), up to the cap. */
export const DEFAULT_CHAT_RETRY_BASE_MS = 200;
export const DEFAULT_CHAT_RETRY_MAX_MS = 4_000;
/**
 * A 429 or 503 whose `Retry-After` asks for at most this long is waited out and retried; a longer
 * one is handed to the client as the error's `retryAfterMs` (it, not a held request, should wait).
 */
export const DEFAULT_CHAT_MAX_RETRY_AFTER_MS = 2_000;
/** The longest SSE line read from an upstream: one chunk of a sane stream is far smaller. */
export const DEFAULT_CHAT_MAX_LINE_BYTES = 8 * 1024 * 1024;
/** How much of an error body is read (its message is all that is kept). */
export const DEFAULT_CHAT_MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Timeouts and retries of one Chat Completions upstream; every field defaults to the constant above it. */
export interface ChatUpstreamLimits {
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxRetryAfterMs: number;
  maxLineBytes: number;
}

export const DEFAULT_CHAT_UPSTREAM_LIMITS: Readonly<ChatUpstreamLimits> = {
  connectTimeoutMs: DEFAULT_CHAT_CONNECT_TIMEOUT_MS,
  firstByteTimeoutMs: DEFAULT_CHAT_FIRST_BYTE_TIMEOUT_MS,
  idleTimeoutMs: DEFAULT_CHAT_IDLE_TIMEOUT_MS,
  maxRetries: DEFAULT_CHAT_MAX_RETRIES,
  retryBaseMs: DEFAULT_CHAT_RETRY_BASE_MS,
  retryMaxMs: DEFAULT_CHAT_RETRY_MAX_MS,
  maxRetryAfterMs: DEFAULT_CHAT_MAX_RETRY_AFTER_MS,
  maxLineBytes: DEFAULT_CHAT_MAX_LINE_BYTES,
};
