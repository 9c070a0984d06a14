import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SpawnedServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;

/**
 * Runs `spark serve` as a child process, the way a user runs it, and waits for its URL. `entry`
 * replaces the CLI with another script that prints the same ready line (the scripted server);
 * `env` replaces the child's environment.
 */
export async function spawnServer(args: readonly string[], entry?: string, env?: NodeJS.ProcessEnv): Promise<SpawnedServer> {
  const cli = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
  const argv = entry ? [entry, ...args] : [cli, 'serve', '--port', '0', '--db', ':memory:', ...args];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'inherit', 'pipe'], ...(env === undefined ? {} : { env }) });
  const url = await new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`spark serve did not start:\n${log}`)); }, START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /spark serve: (http:\/\/\S+)\/v1/.exec(log);
      if (match?.[1]) { clearTimeout(timer); resolve(match[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`spark serve exited with ${code}:\n${log}`)); });
  });
  child.stderr?.resume();
  return { url, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
