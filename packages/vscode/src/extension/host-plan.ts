import type { SparkSettings } from './settings.js';

/** Restarts of a host the extension started, after which it gives up until the user asks again. */
export const MAX_HOST_RESTARTS = 5;
/** First and longest wait before restarting a crashed host. */
export const HOST_RESTART_BASE_MS = 1_000;
export const HOST_RESTART_MAX_MS = 30_000;
/** A host that ran this long before it exited counts as healthy: its restart count starts over. */
export const HOST_HEALTHY_AFTER_MS = 60_000;
/** How long a started host may take to write its lock file (a first model pull can be slow). */
export const DEFAULT_HOST_START_TIMEOUT_MS = 300_000;

/** What the extension does to reach a host: use one that runs, or start `spark serve`. */
export type HostPlan =
  | { readonly kind: 'attach'; readonly url: string; readonly token: string; readonly pid: number }
  | { readonly kind: 'start' };

/** The lock a running host left, as far as the plan needs it. */
export interface FoundLock {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

/** A running host for the workspace wins; otherwise one is started. */
export function planHost(lock: FoundLock | undefined): HostPlan {
  return lock === undefined ? { kind: 'start' } : { kind: 'attach', url: lock.url, token: lock.token, pid: lock.pid };
}

/** The program and arguments that start `spark serve` for the workspace. */
export interface ServeCommand {
  readonly program: string;
  readonly args: readonly string[];
}

/**
 * `spark serve` on a free loopback port (`--port 0`: the lock file tells the port), with the
 * configured models and approval mode; a `spark.command` ending in `.js` (the repo's `packages/cli/dist/main.js`)
 * runs with `node` (the extension host's own Node when `nodePath` is given).
 */
export function serveCommand(settings: Pick<SparkSettings, 'command' | 'model' | 'deepModel' | 'approvalMode'>, nodePath = 'node'): ServeCommand {
  const args = ['serve', '--port', '0'];
  // The deep model is a second served model (the chat's model picker offers it); `spark serve` has no flag of its own for it.
  for (const model of new Set([settings.model, settings.deepModel])) if (model !== '') args.push('--model', model);
  // `ask` is the host's default: left out, so a `spark` older than `--approval` still starts.
  if (settings.approvalMode !== 'ask') args.push('--approval', settings.approvalMode);
  if (/\.[cm]?js$/.test(settings.command)) return { program: nodePath, args: [settings.command, ...args] };
  return { program: settings.command, args };
}

/**
 * The wait before restart number `attempt` (0-based) of a crashed host, doubling from
 * HOST_RESTART_BASE_MS up to HOST_RESTART_MAX_MS; undefined once MAX_HOST_RESTARTS are spent.
 */
export function restartDelay(attempt: number): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 0 || attempt >= MAX_HOST_RESTARTS) return undefined;
  return Math.min(HOST_RESTART_MAX_MS, HOST_RESTART_BASE_MS * 2 ** attempt);
}

/** The restart count after an exit: a host that ran long enough was healthy, so it starts over. */
export function nextRestartAttempt(attempt: number, ranMs: number): number {
  return ranMs >= HOST_HEALTHY_AFTER_MS ? 0 : attempt;
}
