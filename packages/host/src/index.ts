// The agent host (issue 15): agents run here, server-side; every UI attaches over one WebSocket.
export {
  HOST_PROTOCOL_VERSION, hostRequestSchema, hostMessageSchema, parseHostRequest, parseHostMessage, parseHostResult, HostFrameError,
  HOST_PATH, APP_TOKEN_COOKIE, APP_TOKEN_QUERY, HostClient, HostRequestError,
} from './wire/index.js';
export type { HostRequest, HostResult, AttachResult, HostMessage, ThreadInfo, ModelInfo, HostSocket, HostPush } from './wire/index.js';
// The browser app's pages (token → cookie, assets) mounted beside the host on `spark serve`.
export { createAppPagesExtension, contentSecurityPolicy, tokenMatches, cookieValue, bearerToken, MAX_APP_ASSET_BYTES, MAX_APP_PATH_CHARS } from './app-pages/index.js';
export type { AppPagesOptions, AppPagesExtension } from './app-pages/index.js';
// The per-workspace lock file a running host leaves for `spark app`, `spark --attach` and editors.
export {
  writeHostLock, readHostLock, hostLockPath, hostLockDir, hostLockSchema, HOST_LOCK_VERSION, DEFAULT_HOST_LOCK_PROBE_TIMEOUT_MS, MAX_HOST_LOCK_BYTES,
} from './host-lock/index.js';
export type { HostLock, HostLockLocation, WrittenHostLock, ReadHostLockOptions } from './host-lock/index.js';
