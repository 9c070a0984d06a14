// The agent host (issue 15): agents run here, server-side; every UI attaches over one WebSocket.
export {
  HOST_PROTOCOL_VERSION, hostRequestSchema, hostMessageSchema, parseHostRequest, parseHostMessage, parseHostResult, HostFrameError,
  HOST_PATH, APP_TOKEN_COOKIE, APP_TOKEN_QUERY, appTokenCookieName, HostClient, HostRequestError,
} from './wire/index.js';
export type { HostRequest, HostResult, AttachResult, HostMessage, ThreadInfo, ModelInfo, HostSocket, HostPush } from './wire/index.js';
export { AgentHost } from './agent-host.js';
export type { AgentHostOptions, HostPeer } from './agent-host.js';
export { HostThread } from './host-thread.js';
export type { HostSubscriber } from './host-thread.js';
export { HostConnection } from './host-connection.js';
export type { HostConnectionOptions } from './host-connection.js';
export { createHostExtension } from './host-extension.js';
export type { HostExtension, HostExtensionOptions } from './host-extension.js';
export { checkHostUpgrade, isSameOrigin } from './check-host-upgrade.js';
export type { UpgradeContext } from './check-host-upgrade.js';
export { HostError, toHostErrorBody } from './host-error.js';
export type { HostErrorCode } from './host-error.js';
export { fetchModels, ModelListError } from './fetch-models.js';
export {
  DEFAULT_MAX_OPEN_THREADS, DEFAULT_MAX_THREAD_LOG_EVENTS, DEFAULT_MAX_THREAD_LOG_BYTES, DEFAULT_HOST_MAX_FRAME_BYTES, DEFAULT_MAX_CLIENT_BUFFERED_BYTES,
  DEFAULT_HOST_PING_INTERVAL_MS, DEFAULT_MAX_PENDING_REQUESTS, DEFAULT_MAX_LISTED_THREADS, DEFAULT_HOST_CLOSE_GRACE_MS,
} from './host-limits.js';
// The browser app's pages (token → cookie, assets) mounted beside the host on `spark serve`.
export { createAppPagesExtension, contentSecurityPolicy, tokenMatches, cookieValue, bearerToken, MAX_APP_ASSET_BYTES, MAX_APP_PATH_CHARS } from './app-pages/index.js';
export type { AppPagesOptions, AppPagesExtension } from './app-pages/index.js';
// The per-workspace lock file a running host leaves for `spark app`, `spark --attach` and editors.
export {
  writeHostLock, readHostLock, hostLockPath, hostLockDir, hostLockSchema, HOST_LOCK_VERSION, DEFAULT_HOST_LOCK_PROBE_TIMEOUT_MS, MAX_HOST_LOCK_BYTES,
} from './host-lock/index.js';
export type { HostLock, HostLockLocation, WrittenHostLock, ReadHostLockOptions } from './host-lock/index.js';
export { connectHost, hostSocketUrl } from './connect-host.js';
// A host thread as the agent's AgentHandle, for the terminal UI and other Node clients.
export { RemoteThread, DEFAULT_REMOTE_MAX_UNREAD_EVENTS } from './remote-thread.js';
