import type { Engine } from '@spark/engine';
import { DEFAULT_ADMISSION_MAX_WAIT_MS, DEFAULT_ADMISSION_QUEUE_DEPTH } from './admission/admission-queue.js';
import type { ServerExtension } from './server-extension.js';
import type { WebSocketOptions } from './websocket/ws-limits.js';

/** Port `spark serve` listens on when none is given. */
export const DEFAULT_PORT = 8000;
/** Loopback only by default: any other address needs API keys. */
export const DEFAULT_HOST = '127.0.0.1';
/**
 * Largest accepted request body. Codex resends whole histories over HTTP, but a history never
 * exceeds the context window: the largest windows (1M tokens) hold about 4 MB of text, twice
 * that as JSON with escaping and item wrappers, and replayed images add a few MB of base64; a
 * 128k-token window needs about 1 MB. Same as the WebSocket frame limit.
 */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/**
 * After an error answer (413 included) the rest of a body still being sent is read and discarded
 * up to this many bytes, so the client reads the answer instead of a reset; past it the
 * connection is dropped.
 */
export const DEFAULT_MAX_DRAIN_BYTES = 64 * 1024 * 1024;
/**
 * Generations running at once per model when the engine does not report its sequences (and a cap
 * on those it reports); more wait in the admission queue (docs/admission.md).
 */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 64;
/** SSE comment ping interval while a stream has nothing else to say. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** Smallest `Retry-After` of a 429, in seconds; the admission queue's estimate may be longer. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** How long `close()` waits for aborted generations to settle before dropping sockets. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/** Every limit the server enforces; each has a documented default. */
export interface ServerLimits {
  maxBodyBytes: number;
  maxDrainBytes: number;
  maxConcurrentRequests: number;
  /** Requests waiting for a model slot, per model, before 429 (0: refuse once every slot is taken). */
  admissionQueueDepth: number;
  /** Longest wait for a model slot before 429. */
  admissionMaxWaitMs: number;
  keepAliveMs: number;
  retryAfterSeconds: number;
  shutdownGraceMs: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxDrainBytes: DEFAULT_MAX_DRAIN_BYTES,
  maxConcurrentRequests: DEFAULT_MAX_CONCURRENT_REQUESTS,
  admissionQueueDepth: DEFAULT_ADMISSION_QUEUE_DEPTH,
  admissionMaxWaitMs: DEFAULT_ADMISSION_MAX_WAIT_MS,
  keepAliveMs: DEFAULT_KEEP_ALIVE_MS,
  retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
  shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
});

/** Where the server reports what happened; messages never contain request or model payloads. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** Options of `startServer`. */
export interface ServerOptions {
  /**
   * The engine, or engines, serving their `listModels()` ids: the embedded engine and upstreams
   * (whose ids are `<provider>/<model>`). The first engine listing an id serves it.
   */
  engine: Engine | readonly Engine[];
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 8000 (`DEFAULT_PORT`); 0 picks an ephemeral port. */
  port?: number;
  /** Bearer keys; required (non-empty) when `host` is not loopback. */
  apiKeys?: readonly string[];
  /** SQLite file for stored responses; ':memory:' allowed. Default `${XDG_DATA_HOME:-~/.local/share}/spark/responses.db`. */
  dbPath?: string;
  limits?: Partial<ServerLimits>;
  /**
   * The WebSocket mode on `GET /v1/responses` (spec §3): on by default; `false` answers every
   * upgrade with 426 so clients fall back to HTTP; an object sets allowed browser origins and limits.
   */
  websocket?: boolean | WebSocketOptions;
  /**
   * Host names (as in the `Host` header, without port) this server answers to besides localhost,
   * loopback addresses and its bind address; others get 403 (DNS rebinding). '*' accepts any.
   * On a non-loopback bind (API key required) any Host is accepted unless this is set.
   */
  allowedHosts?: readonly string[];
  /**
   * Browser origins (`https://app.example`) allowed cross-origin access: CORS preflights and
   * `Access-Control-Allow-Origin` on their responses. Other foreign origins get 403. '*' allows any.
   */
  corsOrigins?: readonly string[];
  /**
   * Serve HTTPS and wss (Node's own TLS) instead of plain HTTP: a PEM certificate (chain) and its
   * private key. A pair that does not match fails `startServer`.
   */
  tls?: TlsMaterial;
  /** Sampling temperature when a request sets none. Default 0 (greedy). */
  defaultTemperature?: number;
  logger?: Logger;
}

/** A certificate and its key, PEM, as read from files. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port` (`https://` with TLS), without a trailing slash and without `/v1`. */
  url: string;
  host: string;
  port: number;
  /** Stops accepting, closes extensions, ends in-flight responses as incomplete, closes sockets and the store. */
  close(): Promise<void>;
  /**
   * Mounts an extension (the agent host, the app's pages) after start, once the server's URL is
   * known to it. Later mounts are asked after earlier ones.
   */
  mount(extension: ServerExtension): void;
}

export const defaultLogger: Logger = {
  info: () => undefined,
  warn: (msg) => { process.stderr.write(`spark server warning: ${msg}\n`); },
  error: (msg) => { process.stderr.write(`spark server error: ${msg}\n`); },
};

/** Merges partial limits over the defaults and rejects nonsense values early. */
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof ServerLimits>) {
    const value = partial[key];
    if (value === undefined) continue;
    // An empty admission queue is a valid choice: refuse at once when every slot is taken.
    const least = key === 'admissionQueueDepth' ? 0 : Number.MIN_VALUE;
    if (!Number.isFinite(value) || value < least) throw new Error(`Server limit ${key} must be a ${least === 0 ? 'non-negative' : 'positive'} number, got ${String(value)}.`);
    limits[key] = value;
  }
  return limits;
}
