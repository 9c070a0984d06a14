/** Largest client frame accepted; a bigger one closes the socket with 1009 (message too big). */
export const DEFAULT_WS_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Distinct named lanes (`stream_id`s) per connection; the default lane does not count (spec §3.6). */
export const DEFAULT_WS_MAX_NAMED_LANES = 32;
/**
 * `response.create` frames pipelined behind their lane's running turn per connection; more get a
 * 429 error frame. Creates that reached the admission queue do not count (docs/admission.md).
 */
export const DEFAULT_WS_MAX_QUEUED_REQUESTS = 64;
/** A connection's lifetime: afterwards new creates get `websocket_connection_limit_reached` (spec §3.9). */
export const DEFAULT_WS_MAX_CONNECTION_AGE_MS = 60 * 60 * 1000;
/** Finished responses a connection remembers for `previous_response_id` (least recently used go first). */
export const DEFAULT_WS_MAX_CACHED_RESPONSES = 64;
/** Accepted steering submissions waiting on one response. */
export const DEFAULT_WS_MAX_PENDING_STEERS = 8;
/** Outgoing bytes buffered for a socket before its lanes stop pulling engine events until it drains. */
export const DEFAULT_WS_HIGH_WATER_MARK_BYTES = 1024 * 1024;
/** Outgoing bytes buffered for a socket that never reads; past this it is closed with 1008. */
export const DEFAULT_WS_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Interval of server pings; a peer that missed two pongs in a row is dropped. */
export const DEFAULT_WS_PING_INTERVAL_MS = 30_000;
/**
 * Control frames (pings and unsolicited pongs) a client may send per `controlFrameWindowMs`;
 * one more closes that connection with 1008. Clients ping every few seconds at most (browsers
 * cannot ping at all), so 100 per 10 s leaves a wide margin while a flood costs one close.
 */
export const DEFAULT_WS_MAX_CONTROL_FRAMES = 100;
/** The window `maxControlFrames` counts in. */
export const DEFAULT_WS_CONTROL_FRAME_WINDOW_MS = 10_000;

/** Every limit of the WebSocket transport; each has a documented default above. */
export interface WebSocketLimits {
  maxPayloadBytes: number;
  maxNamedLanes: number;
  maxQueuedRequests: number;
  maxConnectionAgeMs: number;
  maxCachedResponses: number;
  maxPendingSteers: number;
  highWaterMarkBytes: number;
  maxBufferedBytes: number;
  pingIntervalMs: number;
  maxControlFrames: number;
  controlFrameWindowMs: number;
}

export const DEFAULT_WS_LIMITS: Readonly<WebSocketLimits> = Object.freeze({
  maxPayloadBytes: DEFAULT_WS_MAX_PAYLOAD_BYTES,
  maxNamedLanes: DEFAULT_WS_MAX_NAMED_LANES,
  maxQueuedRequests: DEFAULT_WS_MAX_QUEUED_REQUESTS,
  maxConnectionAgeMs: DEFAULT_WS_MAX_CONNECTION_AGE_MS,
  maxCachedResponses: DEFAULT_WS_MAX_CACHED_RESPONSES,
  maxPendingSteers: DEFAULT_WS_MAX_PENDING_STEERS,
  highWaterMarkBytes: DEFAULT_WS_HIGH_WATER_MARK_BYTES,
  maxBufferedBytes: DEFAULT_WS_MAX_BUFFERED_BYTES,
  pingIntervalMs: DEFAULT_WS_PING_INTERVAL_MS,
  maxControlFrames: DEFAULT_WS_MAX_CONTROL_FRAMES,
  controlFrameWindowMs: DEFAULT_WS_CONTROL_FRAME_WINDOW_MS,
});

/** The WebSocket mode's options (`ServerOptions.websocket`). */
export interface WebSocketOptions {
  /**
   * Browser origins (`https://app.example`, exact match) allowed to connect besides same-host and
   * loopback ones (and besides `ServerOptions.corsOrigins`, which count too); `'*'` allows any.
   * They pass the Origin check of plain HTTP requests as well, without CORS headers. Requests without an `Origin` header (non-browser clients)
   * are always allowed: they authenticate with the API key.
   */
  allowedOrigins?: readonly string[];
  limits?: Partial<WebSocketLimits>;
}

/** Resolved WebSocket settings; `enabled: false` answers every upgrade with 426. */
export interface WebSocketSettings {
  enabled: boolean;
  allowedOrigins: readonly string[];
  limits: WebSocketLimits;
}

/** Merges `ServerOptions.websocket` over the defaults and rejects nonsense limits early. */
export function resolveWebSocketSettings(option: boolean | WebSocketOptions | undefined): WebSocketSettings {
  if (option === false) return { enabled: false, allowedOrigins: [], limits: { ...DEFAULT_WS_LIMITS } };
  const options = option === true || option === undefined ? {} : option;
  const limits: WebSocketLimits = { ...DEFAULT_WS_LIMITS };
  for (const key of Object.keys(DEFAULT_WS_LIMITS) as Array<keyof WebSocketLimits>) {
    const value = options.limits?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new Error(`WebSocket limit ${key} must be a positive number, got ${String(value)}.`);
    limits[key] = value;
  }
  return { enabled: true, allowedOrigins: [...(options.allowedOrigins ?? [])], limits };
}
