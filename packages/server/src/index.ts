export { startServer } from './start-server.js';
export {
  DEFAULT_PORT, DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_KEEP_ALIVE_MS, DEFAULT_RETRY_AFTER_SECONDS, DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_MAX_DRAIN_BYTES,
} from './server-options.js';
export type { ServerOptions, ServerLimits, RunningServer, Logger, TlsMaterial } from './server-options.js';
export type { ServerExtension, ExtensionRequestContext, ExtensionUpgradeContext } from './server-extension.js';
export { DEFAULT_ADMISSION_QUEUE_DEPTH, DEFAULT_ADMISSION_MAX_WAIT_MS, MAX_RETRY_AFTER_SECONDS } from './admission/admission-queue.js';
export {
  DEFAULT_WS_LIMITS, DEFAULT_WS_MAX_PAYLOAD_BYTES, DEFAULT_WS_MAX_NAMED_LANES,
  DEFAULT_WS_MAX_QUEUED_REQUESTS, DEFAULT_WS_MAX_CONNECTION_AGE_MS, DEFAULT_WS_MAX_CACHED_RESPONSES,
  DEFAULT_WS_MAX_PENDING_STEERS, DEFAULT_WS_HIGH_WATER_MARK_BYTES, DEFAULT_WS_MAX_BUFFERED_BYTES, DEFAULT_WS_PING_INTERVAL_MS,
  DEFAULT_WS_MAX_CONTROL_FRAMES, DEFAULT_WS_CONTROL_FRAME_WINDOW_MS,
} from './websocket/ws-limits.js';
export type { WebSocketOptions, WebSocketLimits } from './websocket/ws-limits.js';
export { ChatCompletionsService } from './chat/chat-completions-service.js';
export type { ChatCompletionsServiceOptions, ChatRun } from './chat/chat-completions-service.js';
export { ResponsesService } from './responses-service.js';
export type { ResponseRun, ResponsesServiceOptions, CreateResponseOptions, KnownResponse } from './responses-service.js';
export { StreamResponse } from './stream-response.js';
export type { StreamResponseOptions, StreamEventBody, TerminalEventBody } from './stream-response.js';
export { ResponseAbort } from './response-abort.js';
export type { AbortKind } from './response-abort.js';
export { SqliteResponseStore, defaultDbPath } from './sqlite-response-store.js';
export type { ResponseStore, StoredResponse, InputItemsQuery, InputItemsPage } from './response-store.js';
export type { ContextItem } from './context-item.js';
export { createEngineResolver } from './engine-resolver.js';
export type { EngineResolver } from './engine-resolver.js';
export { formatSseEvent } from './sse-writer.js';
