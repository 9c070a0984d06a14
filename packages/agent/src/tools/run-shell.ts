import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { bubblewrapArgs, SANDBOX_TMPDIR, type BubblewrapSpec } from '../sandbox/bubblewrap-args.js';
import { findExecutable } from './find-executable.js';
import { OutputBuffer } from './output-buffer.js';
import { ToolError } from './tool-error.js';

/** Between SIGTERM and SIGKILL when a command is stopped. */
export const SHELL_KILL_GRACE_MS = 2_000;
/**
 * After the shell exits, how long to wait for its output pipes to close. A background child
 * (`server &`) keeps them open; past this the process group is killed so the call can end.
 */
export const SHELL_PIPE_DRAIN_MS = 1_000;
/** Set unless the caller's env overrides them: nothing may wait for a pager or a password. */
export const NON_INTERACTIVE_ENV: Readonly<Record<string, string>> = { PAGER: 'cat', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0' };

/** One shell command to run. */
export interface RunShellOptions {
  command: string;
  /** Must be an existing directory. */
  cwd: string;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** Added to (and overriding) the agent's own environment. */
  env?: Record<string, string>;
  /** Run inside bubblewrap (see `bubblewrapArgs`); TMPDIR then points at the sandbox's private /tmp. */
  sandbox?: BubblewrapSpec;
  /** Called with the output's text as it arrives (stdout and stderr, each decoded as UTF-8 across chunks). */
  onOutput?: (text: string) => void;
}

/** How a command ended and what it printed. */
export interface RunShellResult {
  /** Null when it was ended by a signal. */
  exitCode: number | null;
  /** The signal that ended it (e.g. `SIGTERM` after a timeout), or null. */
  signal: string | null;
  timedOut: boolean;
  /** Stopped because `signal` aborted. */
  aborted: boolean;
  /** stdout and stderr interleaved in arrival order; when over the limit, head and tail around a `[... N bytes omitted ...]` marker. */
  output: string;
  /** Everything printed, including what was omitted. */
  outputBytes: number;
  truncated: boolean;
  durationMs: number;
}

/**
 * Runs `command` with `bash -c` (`sh -c` where there is no bash) in its own process group and
 * session, stdin closed (no controlling terminal, so nothing can prompt), inside bubblewrap when
 * `sandbox` is given (bwrap leads the group then, and the command is its child). On timeout or abort
 * the whole group gets SIGTERM, then SIGKILL after `SHELL_KILL_GRACE_MS`. Never rejects for
 * the command's own failure: a non-zero exit, a timeout and an abort are results. POSIX only.
 */
export async function runShell(options: RunShellOptions): Promise<RunShellResult> {
  const started = performance.now();
  const output = new OutputBuffer(options.maxOutputBytes);
  const finish = (fields: Pick<RunShellResult, 'exitCode' | 'signal' | 'timedOut' | 'aborted'>): RunShellResult => ({
    ...fields,
    ...output.finish(),
    durationMs: Math.round(performance.now() - started),
  });
  if (options.signal?.aborted === true) return finish({ exitCode: null, signal: null, timedOut: false, aborted: true });
  if (!(await isDirectory(options.cwd))) {
    throw new ToolError('not_found', 'The working directory for the command does not exist. Run commands from the workspace root.', { path: options.cwd });
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...NON_INTERACTIVE_ENV, ...options.env };
  if (options.sandbox !== undefined) env['TMPDIR'] = SANDBOX_TMPDIR;
  const shell = findShell(env['PATH'] ?? '');
  const argv = [shell, '-c', options.command];
  const [file, args] = options.sandbox === undefined
    ? [shell, argv.slice(1)]
    : [options.sandbox.bwrap, bubblewrapArgs(options.sandbox, options.cwd, argv)];

  return new Promise<RunShellResult>((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let aborted = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let settled = false;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, run: () => void): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, ms);
      timers.add(timer);
    };
    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      later(SHELL_KILL_GRACE_MS, () => killGroup('SIGKILL'));
    };
    const onAbort = (): void => {
      if (exit !== undefined || timedOut || aborted) return;
      aborted = true;
      stop();
    };
    const cleanup = (): void => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      options.signal?.removeEventListener('abort', onAbort);
    };
    const settle = (): void => {
      if (settled || exit === undefined) return;
      settled = true;
      cleanup();
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(finish({ exitCode: exit.code, signal: exit.signal, timedOut, aborted }));
    };

    const listen = (stream: NodeJS.ReadableStream): void => {
      // One decoder per stream: a multi-byte character split across chunks stays whole.
      const decoder = new TextDecoder();
      stream.on('data', (chunk: Buffer) => {
        output.push(chunk);
        if (options.onOutput === undefined) return;
        const text = decoder.decode(chunk, { stream: true });
        if (text !== '') options.onOutput(text);
      });
    };
    listen(child.stdout);
    listen(child.stderr);
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(new ToolError('spawn_failed', `The shell could not be started (${error.message}).`, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Anything still holding the pipes is a leftover of this command: give it a moment, then end it.
      later(SHELL_PIPE_DRAIN_MS, () => {
        killGroup('SIGKILL');
        settle();
      });
    });
    child.on('close', settle);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    later(options.timeoutMs, () => {
      if (exit !== undefined || aborted) return;
      timedOut = true;
      stop();
    });
  });
}

/** What the model sees: how the command ended, then its output. */
export function formatShellResult(result: RunShellResult): string {
  const seconds = `${(result.durationMs / 1000).toFixed(1)}s`;
  let status: string;
  if (result.timedOut) status = `Timed out after ${seconds}; the command and its children were killed. Use a longer timeout_ms or a faster command.`;
  else if (result.aborted) status = `Cancelled by the user after ${seconds}.`;
  else if (result.exitCode !== null) status = `Exit code ${result.exitCode} (${seconds})`;
  else status = `Killed by ${result.signal ?? 'a signal'} (${seconds})`;
  const size = result.truncated ? `\n[Output was ${result.outputBytes} bytes; only the start and the end are shown.]` : '';
  const body = result.output === '' ? '(no output)' : result.output;
  return `${status}${size}\n${body}`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

const shellCache = new Map<string, string>();

// bash from PATH, else the POSIX sh every system has.
function findShell(path: string): string {
  const cached = shellCache.get(path);
  if (cached !== undefined) return cached;
  const shell = findExecutable('bash', path) ?? '/bin/sh';
  shellCache.set(path, shell);
  return shell;
}
