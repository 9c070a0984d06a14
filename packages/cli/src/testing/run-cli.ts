// Test support: the built `spark` binary run as a user runs it, its output collected.
import { spawn } from 'node:child_process';

/** The CLI's entry point, built beside this folder (dist/main.js). */
export const CLI_MAIN = new URL('../main.js', import.meta.url).pathname;

/** How long one CLI run may take before it is killed: only stops a hung test, never asserted on. */
export const DEFAULT_RUN_CLI_TIMEOUT_MS = 120_000;

export interface CliRun {
  /** Exit code; null when the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Default DEFAULT_RUN_CLI_TIMEOUT_MS; past it the process gets SIGKILL and the run rejects. */
  timeoutMs?: number;
}

/** Runs `spark <args>` with Node, stdin closed, and resolves with its exit code and whole output once it exits. */
export async function runCli(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_CLI_TIMEOUT_MS;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      // 'close', not 'exit': the pipes are drained, so stdout and stderr are complete.
      child.on('close', (exitCode) => { resolve(exitCode); });
    });
    if (timedOut) throw new Error(`spark ${args.slice(0, 2).join(' ')} did not exit within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
