export {
  writeHostLock, readHostLock, hostLockPath, hostLockDir, hostLockSchema, HOST_LOCK_VERSION, DEFAULT_HOST_LOCK_PROBE_TIMEOUT_MS, MAX_HOST_LOCK_BYTES,
} from './host-lock.js';
export type { HostLock, HostLockLocation, WrittenHostLock, ReadHostLockOptions } from './host-lock.js';
