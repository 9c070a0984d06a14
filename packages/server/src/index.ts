export { startServer } from './start-server.js';
export {
  DEFAULT_PORT, DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_KEEP_ALIVE_MS, DEFAULT_RETRY_AFTER_SECONDS, DEFAULT_SHUTDOWN_GRACE_MS,
} from './server-options.js';
export type { ServerOptions, ServerLimits, RunningServer, Logger } from './server-options.js';
export { ResponsesService } from './responses-service.js';
export type { ResponseRun, ResponsesServiceOptions } from './responses-service.js';
export { streamResponse } from './stream-response.js';
export type { StreamResponseOptions, AbortKind } from './stream-response.js';
export { SqliteResponseStore, defaultDbPath } from './sqlite-response-store.js';
export type { ResponseStore, StoredResponse, InputItemsQuery, InputItemsPage } from './response-store.js';
export type { ContextItem } from './context-item.js';
export { createEngineResolver } from './engine-resolver.js';
export type { EngineResolver } from './engine-resolver.js';
export { formatSseEvent } from './sse-writer.js';
