import { spawn, type ChildProcess } from 'node:child_process';
import { readHostLock } from '@spark/host/host-lock';
import type * as vscode from 'vscode';
import { DEFAULT_HOST_START_TIMEOUT_MS, nextRestartAttempt, planHost, restartDelay, serveCommand, type FoundLock } from './host-plan.js';
import type { SparkSettings } from './settings.js';

/** How often a starting host's lock file is looked for. */
export const HOST_LOCK_POLL_MS = 250;

/** The host the extension talks to: its base URL and app token. */
export interface ReachedHost {
  readonly url: string;
  readonly token: string;
  /** Whether this extension started it (and so stops it on deactivate). */
  readonly owned: boolean;
}

/**
 * Finds the agent host of a workspace folder (its lock file), or starts `spark serve` there as a
 * child process, its output in an Output channel; restarts it when it crashes (bounded backoff)
 * and stops it on dispose when it started it.
 */
export class HostManager {
  private child: ChildProcess | undefined;
  private reaching: Promise<ReachedHost> | undefined;
  private restarts = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly workspace: string,
    private readonly settings: () => SparkSettings,
    private readonly output: vscode.OutputChannel,
    private readonly env: () => Promise<NodeJS.ProcessEnv>,
  ) {}

  /** The running host, found or started (one start at a time, shared by all callers). */
  reach(signal?: AbortSignal): Promise<ReachedHost> {
    this.reaching ??= this.find(signal).finally(() => { this.reaching = undefined; });
    return this.reaching;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && child.exitCode === null) {
      this.output.appendLine(`Stopping the host this window started (pid ${child.pid ?? '?'}).`);
      child.kill('SIGTERM');
    }
  }

  private async find(signal: AbortSignal | undefined): Promise<ReachedHost> {
    const lock = await readHostLock(this.workspace, signal === undefined ? {} : { signal });
    const plan = planHost(lock);
    if (plan.kind === 'attach') {
      const owned = this.child !== undefined && this.child.pid === plan.pid;
      return { url: plan.url, token: plan.token, owned };
    }
    if (this.child === undefined || this.child.exitCode !== null) await this.start();
    const started = await this.waitForLock(signal);
    return { url: started.url, token: started.token, owned: true };
  }

  private async start(): Promise<void> {
    if (this.disposed) throw new Error('The extension is shutting down.');
    const command = serveCommand(this.settings(), process.execPath.endsWith('node') ? process.execPath : 'node');
    this.output.appendLine(`Starting ${command.program} ${command.args.join(' ')} in ${this.workspace}`);
    const env = await this.env();
    const child = spawn(command.program, [...command.args], { cwd: this.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const startedAt = Date.now();
    child.stdout?.setEncoding('utf8').on('data', (text: string) => { this.output.append(text); });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => { this.output.append(text); });
    child.once('error', (error) => { this.output.appendLine(`Could not start the host: ${error.message}`); });
    child.once('exit', (code, signalName) => {
      this.output.appendLine(`The host exited (${signalName ?? `code ${code ?? '?'}`}).`);
      if (this.child !== child || this.disposed) return;
      this.restarts = nextRestartAttempt(this.restarts, Date.now() - startedAt);
      const delay = restartDelay(this.restarts);
      if (delay === undefined) { this.output.appendLine('The host keeps exiting: not restarting it (run "Spark: Open Chat" to try again).'); this.restarts = 0; return; }
      this.restarts++;
      this.output.appendLine(`Restarting it in ${Math.round(delay / 1000)} s.`);
      this.restartTimer = setTimeout(() => { this.restartTimer = undefined; if (!this.disposed) void this.start().catch(() => undefined); }, delay);
    });
  }

  private async waitForLock(signal: AbortSignal | undefined): Promise<FoundLock> {
    const deadline = Date.now() + DEFAULT_HOST_START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      const child = this.child;
      if (child === undefined || (child.exitCode !== null && this.restartTimer === undefined)) throw new Error('The host exited before it was ready: see the "Spark" output.');
      const lock = await readHostLock(this.workspace, signal === undefined ? {} : { signal });
      if (lock !== undefined) return lock;
      await new Promise((done) => setTimeout(done, HOST_LOCK_POLL_MS));
    }
    throw new Error(`The host did not come up within ${DEFAULT_HOST_START_TIMEOUT_MS / 1000} s: see the "Spark" output.`);
  }
}
