import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readFile, realpath, rename, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** How long `readHostLock` waits for the recorded port to accept a connection before calling the lock stale. */
export const DEFAULT_HOST_LOCK_PROBE_TIMEOUT_MS = 1_000;
/** Largest lock file read; a bigger one is not ours. */
export const MAX_HOST_LOCK_BYTES = 16 * 1024;
export const HOST_LOCK_VERSION = 1;

/**
 * What a running `spark serve` / `spark app` records for its workspace, so `spark app`,
 * `spark --attach` and the VS Code extension find it instead of starting a second host.
 */
export const hostLockSchema = z.object({
  version: z.literal(HOST_LOCK_VERSION),
  /** The server's base URL, without `/v1` (`http://127.0.0.1:8000`). */
  url: z.string().url(),
  /** The app token of this start (the page's `?token=`, or `Authorization: Bearer`). */
  token: z.string().min(16).max(512),
  pid: z.number().int().positive(),
  /** The workspace's real path. */
  workspace: z.string().min(1),
  started_at: z.string(),
});
export type HostLock = z.infer<typeof hostLockSchema>;

export interface HostLockLocation {
  /** Environment to read XDG_RUNTIME_DIR / HOME from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** The folder of the lock files: `$XDG_RUNTIME_DIR/spark/hosts`, else `~/.local/state/spark/hosts`. */
export function hostLockDir(options: HostLockLocation = {}): string {
  const env = options.env ?? process.env;
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime !== undefined && runtime !== '') return join(runtime, 'spark', 'hosts');
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  return join(home, '.local', 'state', 'spark', 'hosts');
}

/** The lock file of `workspace`: its real path's sha256, first 16 hex digits. */
export async function hostLockPath(workspace: string, options: HostLockLocation = {}): Promise<string> {
  const real = await realpath(resolve(workspace));
  return join(hostLockDir(options), `${createHash('sha256').update(real).digest('hex').slice(0, 16)}.json`);
}

export interface WrittenHostLock {
  readonly path: string;
  readonly lock: HostLock;
  /** Removes the file if it is still this one (another start may have replaced it). */
  remove(): Promise<void>;
}

/**
 * Records a running host for `workspace`: the folder 0700, the file 0600 (the token is a
 * credential), written whole under a temporary name and renamed, so a reader never sees half.
 */
export async function writeHostLock(
  entry: { workspace: string; url: string; token: string; pid?: number },
  options: HostLockLocation = {},
): Promise<WrittenHostLock> {
  const path = await hostLockPath(entry.workspace, options);
  const dir = hostLockDir(options);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder's mode alone.
  await chmod(dir, 0o700);
  const lock: HostLock = hostLockSchema.parse({
    version: HOST_LOCK_VERSION, url: entry.url.replace(/\/+$/, ''), token: entry.token, pid: entry.pid ?? process.pid,
    workspace: await realpath(resolve(entry.workspace)), started_at: new Date().toISOString(),
  });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(lock, null, 2)}\n`);
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  return {
    path, lock,
    remove: async () => {
      const now = await readLockFile(path);
      if (now !== undefined && now !== 'stale' && (now.pid !== lock.pid || now.token !== lock.token)) return;
      await unlink(path).catch(() => undefined);
    },
  };
}

export interface ReadHostLockOptions extends HostLockLocation {
  /** Also try a TCP connection to the recorded port (default true): a lock whose port refuses is stale. */
  probe?: boolean;
  probeTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The running host of `workspace`, or undefined. A lock whose process is gone, whose port
 * refuses connections, that is not the user's own file or that does not parse is stale: it is
 * removed (when it is ours to remove) and ignored.
 */
export async function readHostLock(workspace: string, options: ReadHostLockOptions = {}): Promise<HostLock | undefined> {
  let path: string;
  try {
    path = await hostLockPath(workspace, options);
  } catch {
    return undefined;
  }
  const lock = await readLockFile(path);
  if (lock === undefined) return undefined;
  if (lock === 'stale' || !isAlive(lock.pid)) {
    await unlink(path).catch(() => undefined);
    return undefined;
  }
  if (options.probe === false) return lock;
  const probe = await accepts(lock.url, options.probeTimeoutMs ?? DEFAULT_HOST_LOCK_PROBE_TIMEOUT_MS, options.signal);
  // A refused port means the server is gone (its pid may have been reused); a slow one may just be busy.
  if (probe === 'refused') await unlink(path).catch(() => undefined);
  return probe === 'open' ? lock : undefined;
}

/** The parsed lock at `path`, 'stale' when it exists but is unreadable or not the user's own, undefined when absent. */
async function readLockFile(path: string): Promise<HostLock | 'stale' | undefined> {
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.size > MAX_HOST_LOCK_BYTES) return 'stale';
    // Another user's file (or one others may read) is not a lock this user wrote.
    if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return undefined;
    if ((info.mode & 0o077) !== 0) return 'stale';
    const parsed = hostLockSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : 'stale';
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    return 'stale';
  }
}

/** Whether a process with this pid exists (EPERM: it does, someone else's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM');
  }
}

/** Whether the URL's host and port accept a TCP connection within `timeoutMs`. */
function accepts(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<'open' | 'refused' | 'unknown'> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve('refused');
  }
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (answer: 'open' | 'refused' | 'unknown'): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      done(answer);
    };
    const onAbort = (): void => { finish('unknown'); };
    const timer = setTimeout(() => { finish('unknown'); }, timeoutMs);
    socket.once('connect', () => { finish('open'); });
    socket.once('error', (error) => { finish(isCode(error, 'ECONNREFUSED') ? 'refused' : 'unknown'); });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
