// Test support: runs a third-party client's binary headless, in a home of its own, with a deadline.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface TestClientRun {
  /** Exit code; null when it was killed (see `timedOut`). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Environment for a client that must not read or write the real home folder: `HOME` and the
 * XDG folders inside `home` (created), PATH kept, nothing else inherited (no API keys, no proxy
 * settings from the developer's shell), plus `extra`.
 */
export async function isolatedClientEnv(home: string, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const dirs = {
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...dirs, NO_COLOR: '1', CI: '1', ...extra };
}

/** Runs `bin args` in `cwd` with stdin closed; kills it (SIGKILL) after `timeoutMs`. */
export async function runTestClient(bin: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<TestClientRun> {
  const child = spawn(bin, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    return { code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}
