// Typed Responses API client over WebSocket (preferred) and HTTP+SSE.
export { connectResponses, HTTP_ONLY_UPGRADE_STATUSES } from './connect-responses.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_CANCEL_GRACE_MS, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_HELD_STEER_EVENTS,
} from './client-options.js';
export type { ClientOptions, TransportKind } from './client-options.js';
export type { CreateParams, ToolParam, StreamOptions, ModelEntry, ResponsesConnection } from './responses-connection.js';
export { ClientError } from './client-error.js';
export type { ClientErrorCode, ClientErrorOptions } from './client-error.js';
export { isTerminalEvent, isSteerEvent } from './client-events.js';
export type {
  ClientEvent, ClientEventType, TerminalEvent, SteerEvent, SteerAcceptedEvent, SteerPendingEvent, SteerFailedEvent,
  SteerRef, RequiredInputStub,
} from './client-events.js';
export { SseParser } from './sse-parser.js';
export type { SseMessage } from './sse-parser.js';
export { toWebSocketUrl } from './to-websocket-url.js';
