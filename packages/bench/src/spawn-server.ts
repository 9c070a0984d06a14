import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SpawnedServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface SpawnedApp extends SpawnedServer {
  /** The browser app's URL with this start's token. */
  appUrl: string;
}

const START_TIMEOUT_MS = 120_000;
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

/**
 * Runs `spark serve` as a child process, the way a user runs it, and waits for its URL. `entry`
 * replaces the CLI with another script that prints the same ready line (the scripted server);
 * `env` replaces the child's environment.
 */
export async function spawnServer(args: readonly string[], entry?: string, env?: NodeJS.ProcessEnv): Promise<SpawnedServer> {
  const argv = entry ? [entry, ...args] : [CLI, 'serve', '--port', '0', '--db', ':memory:', ...args];
  const { child, match } = await spawnUntil(argv, /spark serve: (https?:\/\/\S+)\/v1/, { ...(env === undefined ? {} : { env }) });
  return { url: match[1] ?? '', pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/**
 * `spark serve` with its agent host and browser app (or `entry`, printing the same lines) in
 * `cwd`, the workspace; waits for the app's URL.
 */
export async function spawnApp(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; entry?: string }): Promise<SpawnedApp> {
  const argv = options.entry ? [options.entry, ...args] : [CLI, 'serve', '--port', '0', '--db', ':memory:', ...args];
  const { child, match } = await spawnUntil(argv, /spark serve: (http:\/\/\S+)\/v1[\s\S]*spark app: (http:\/\/\S+)/, options);
  return { url: match[1] ?? '', appUrl: match[2] ?? '', pid: child.pid ?? 0, stop: () => stopChild(child) };
}

async function spawnUntil(argv: readonly string[], ready: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'inherit', 'pipe'],
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`spark serve did not start:\n${log}`)); }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const found = ready.exec(log);
      if (found) { clearTimeout(timer); child.stderr?.off('data', onData); resolve(found); }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`spark serve exited with ${code}:\n${log}`)); });
  });
  child.stderr?.resume();
  return { child, match };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
