// The agent host's wire, runtime-neutral: host, browser app, VS Code extension and TUI parse these.
export {
  HOST_PROTOCOL_VERSION, MAX_REQUEST_ID_CHARS, hostRequestSchema, hostMessageSchema, hostResultSchemas, hostErrorSchema, threadInfoSchema,
  modelInfoSchema, HostFrameError, parseHostRequest, parseHostMessage, parseHostResult,
} from './host-frames.js';
export type { HostRequest, HostRequestType, HostResult, AttachResult, HostError, HostMessage, ThreadInfo, ModelInfo } from './host-frames.js';
export { HOST_PATH, APP_TOKEN_COOKIE, APP_TOKEN_QUERY, appTokenCookieName } from './host-paths.js';
export {
  HostClient, HostRequestError, DEFAULT_HOST_CONNECT_TIMEOUT_MS, DEFAULT_HOST_REQUEST_TIMEOUT_MS,
} from './host-client.js';
export type { HostSocket, HostPush, ConnectHostOptions } from './host-client.js';
