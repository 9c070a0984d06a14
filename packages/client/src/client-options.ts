/** The two wire transports of the Responses API. */
export type TransportKind = 'websocket' | 'http';

/** How long opening a WebSocket, or waiting for an HTTP answer's headers, may take. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long an aborted WebSocket stream waits for its response's terminal event before closing the socket. */
export const DEFAULT_CANCEL_GRACE_MS = 1_000;
/** Largest server-sent event or WebSocket frame accepted (Spark resends whole outputs in terminal events). */
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024;
/** Steering events held for a lane with no stream open, delivered first on its next stream. */
export const DEFAULT_MAX_HELD_STEER_EVENTS = 32;

export interface ClientOptions {
  /** As in the OpenAI SDK: `http://127.0.0.1:8000/v1`, `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`, on the WebSocket upgrade too. */
  apiKey?: string;
  /** Default 'auto': WebSocket, falling back to HTTP when the server refuses the upgrade. */
  transport?: 'auto' | TransportKind;
  /** Extra headers on every request and on the upgrade. */
  headers?: Record<string, string>;
  /** Default `DEFAULT_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Default `DEFAULT_CANCEL_GRACE_MS`. */
  cancelGraceMs?: number;
  /** Default `DEFAULT_MAX_EVENT_BYTES`. */
  maxEventBytes?: number;
}

/** Options with every default applied. */
export interface ResolvedClientOptions {
  baseUrl: string;
  transport: 'auto' | TransportKind;
  /** Authorization included. */
  headers: Record<string, string>;
  connectTimeoutMs: number;
  cancelGraceMs: number;
  maxEventBytes: number;
}

/** Applies defaults and rejects nonsense early, before any socket opens. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch (error) {
    throw new TypeError('baseUrl must be an absolute http(s) URL such as http://127.0.0.1:8000/v1.', { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('baseUrl must use http: or https:.');
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number.`);
    return value;
  };
  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    transport: options.transport ?? 'auto',
    headers: {
      // Lower-cased so a caller's `Authorization` and ours cannot both go out.
      ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
      ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
    },
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    cancelGraceMs: positive('cancelGraceMs', options.cancelGraceMs, DEFAULT_CANCEL_GRACE_MS),
    maxEventBytes: positive('maxEventBytes', options.maxEventBytes, DEFAULT_MAX_EVENT_BYTES),
  };
}
