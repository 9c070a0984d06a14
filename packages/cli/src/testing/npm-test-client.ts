// Test support: installs a third-party client (OpenCode, Qwen Code, ...) from the npm registry
// into a per-version cache folder outside the repository, once per machine, so a test can drive
// the real program. Nothing is written into the repository's node_modules.
import { spawn } from 'node:child_process';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** How long one `npm install` of a client may take before the test gives up and skips. */
export const DEFAULT_CLIENT_INSTALL_TIMEOUT_MS = 240_000;

/** What to install: an npm package at a pinned version, and the binary it provides. */
export interface NpmTestClient {
  /** Package name, e.g. `opencode-ai`. */
  packageName: string;
  /** Exact version: a test pins what it was written against. */
  version: string;
  /** Name of the executable under `node_modules/.bin`. */
  bin: string;
}

export type NpmTestClientInstall =
  | { installed: true; binPath: string; /** The install was already cached. */ cached: boolean }
  | { installed: false; reason: string };

/** `${XDG_CACHE_HOME:-~/.cache}/spark/test-clients`: where installed clients are kept between runs. */
export function testClientsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
  return join(base, 'spark', 'test-clients');
}

/**
 * Installs `client` with npm into `<cache>/<name>-<version>` unless it is already there, and
 * returns its binary; when npm is missing, the registry unreachable or the install fails, a
 * reason to print with `t.skip(reason)` instead. The install goes to a temporary folder that is
 * renamed into place only when complete, so an interrupted install is never mistaken for one.
 */
export async function installNpmTestClient(client: NpmTestClient, timeoutMs = DEFAULT_CLIENT_INSTALL_TIMEOUT_MS): Promise<NpmTestClientInstall> {
  const cacheDir = testClientsCacheDir();
  // The unscoped name: `@qwen-code/qwen-code@0.15.10` -> `qwen-code-0.15.10`.
  const folder = join(cacheDir, `${client.packageName.split('/').at(-1) ?? client.packageName}-${client.version}`);
  const binPath = join(folder, 'node_modules', '.bin', client.bin);
  if (await exists(binPath)) return { installed: true, binPath, cached: true };

  const staging = `${folder}.installing-${process.pid}`;
  await mkdir(staging, { recursive: true });
  try {
    const result = await runNpmInstall(staging, `${client.packageName}@${client.version}`, timeoutMs);
    if (result !== undefined) return { installed: false, reason: `cannot install ${client.packageName}@${client.version} from the npm registry: ${result}` };
    if (!(await exists(join(staging, 'node_modules', '.bin', client.bin)))) {
      return { installed: false, reason: `${client.packageName}@${client.version} installed without a '${client.bin}' binary for this platform` };
    }
    try {
      await rename(staging, folder);
    } catch (error) {
      // Another test process finished the same install first: use theirs.
      if (!(await exists(binPath))) throw error;
    }
    return { installed: true, binPath, cached: false };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Runs npm; undefined on success, else why it failed (the tail of its output). */
async function runNpmInstall(prefix: string, spec: string, timeoutMs: number): Promise<string | undefined> {
  // npm run exports its own settings as npm_config_*; a workspace or prefix setting from this
  // repository's `npm test` must not steer an install that belongs outside it.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_config_(prefix|local_prefix|workspaces?|global|include_workspace_root)$/i.test(name)) env[name] = value;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--loglevel', 'error', spec], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-2_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const outcome = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      child.once('close', (code) => resolve({ code }));
    });
    if (outcome.error !== undefined) return `npm did not start (${outcome.error.message})`;
    if (outcome.code === 0) return undefined;
    const tail = output.trim().split('\n').slice(-3).join(' | ');
    return outcome.code === null ? `npm install did not finish within ${timeoutMs} ms` : `npm install exited with ${outcome.code}: ${tail}`;
  } finally {
    clearTimeout(timer);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
