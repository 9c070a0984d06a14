import { setTimeout as delay } from 'node:timers/promises';
import http from 'node:http';
import https from 'node:https';
import { EngineError } from '@spark/engine';
import { parseRetryAfterMs } from '../upstream-error.js';
import { backoffDelayMs, type UpstreamLimits } from '../upstream-limits.js';
import { chatUpstreamHttpError } from './chat-upstream-error.js';
import { DEFAULT_CHAT_MAX_ERROR_BODY_BYTES } from './chat-upstream-limits.js';

/** One POST to an upstream: where, what, and the key to keep out of error messages. */
export interface ChatHttpRequest {
  url: URL;
  headers: Readonly<Record<string, string>>;
  body: string;
  apiKey: string | undefined;
  /** The provider id, named in error messages. */
  provider: string;
  /** A keep-alive agent, so turns after the first skip the TCP/TLS handshake. */
  agent: http.Agent;
}

/** A failure of one attempt, and whether another attempt may help (only ever before the first byte). */
class AttemptFailure extends Error {
  constructor(readonly error: EngineError, readonly retryable: boolean, readonly waitMs?: number) {
    super(error.message);
  }
}

/**
 * POSTs the request and resolves with the upstream's 2xx response, its body not yet read.
 * Before the first byte of a response it retries, with exponential backoff and jitter, what
 * another try may fix: a refused or reset connection, a connect timeout, 502/503/504, and a
 * 429 or 503 whose `Retry-After` is short (waited out exactly). A first-byte timeout is not
 * retried (the upstream may still be working on the prompt; a second copy doubles its load).
 * Anything else is an `EngineError` carrying the upstream's message. The signal aborts the
 * attempt at once, and the wait between attempts; the abort reason is then thrown.
 */
export async function openChatStream(request: ChatHttpRequest, limits: UpstreamLimits, signal: AbortSignal): Promise<http.IncomingMessage> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await attemptOnce(request, limits, signal);
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      if (!error.retryable || attempt + 1 >= limits.maxAttempts) throw error.error;
      // An abort ends the wait and throws its reason, as an abort during an attempt does.
      await delay(error.waitMs ?? backoffDelayMs(attempt + 1, limits.retryBaseMs, limits.maxRetryDelayMs), undefined, { signal })
        .catch(() => signal.throwIfAborted());
    }
  }
}

function attemptOnce(request: ChatHttpRequest, limits: UpstreamLimits, signal: AbortSignal): Promise<http.IncomingMessage> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const transport = request.url.protocol === 'https:' ? https : http;
    const req = transport.request(request.url, {
      method: 'POST',
      agent: request.agent,
      headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
    });
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const arm = (ms: number, what: string, retryable: boolean): void => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new EngineError('upstream_error', `Upstream ${what} timed out after ${ms} ms`), retryable), ms);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (error: EngineError, retryable: boolean, waitMs?: number): void => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy();
      reject(new AttemptFailure(error, retryable, waitMs));
    };
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected: only the first-byte wait applies.
      if (!socket.connecting) {
        arm(limits.firstByteTimeoutMs, 'first byte', false);
        return;
      }
      arm(limits.connectTimeoutMs, 'connect', true);
      socket.once(request.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        if (!settled) arm(limits.firstByteTimeoutMs, 'first byte', false);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ERROR';
      fail(new EngineError('upstream_error', `Upstream ${request.url.host} unreachable (${code})`, { cause: error }), RETRYABLE_NETWORK_CODES.has(code));
    });
    req.on('response', (res: http.IncomingMessage) => {
      if (settled) {
        res.destroy();
        return;
      }
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        settled = true;
        cleanup();
        resolve(res);
        return;
      }
      clearTimeout(timer);
      readSome(res, DEFAULT_CHAT_MAX_ERROR_BODY_BYTES).then((text) => {
        const header: string | string[] | undefined = res.headers['retry-after'];
        const retryAfter = typeof header === 'string' ? header : header?.[0];
        const error = chatUpstreamHttpError(request.provider, status, retryAfter, text, request.apiKey);
        const waitMs = parseRetryAfterMs(retryAfter);
        const busy = status === 429 || status === 503;
        const retryable = busy
          ? waitMs === undefined ? status === 503 : waitMs <= limits.maxRetryAfterMs
          : status === 502 || status === 504;
        fail(error, retryable, waitMs);
      }, (error: unknown) => fail(new EngineError('upstream_error', `Upstream answered ${status} and its body failed`, { cause: error }), false));
    });
    req.end(request.body);
  });
}

const RETRYABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Up to `limit` bytes of a body as text; the rest is discarded. */
async function readSome(res: http.IncomingMessage, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < limit) parts.push(chunk.subarray(0, limit - size));
    size += chunk.length;
    if (size >= limit) {
      res.destroy();
      break;
    }
  }
  return Buffer.concat(parts).toString('utf8');
}
