import { spawn } from 'node:child_process';
import { access, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sparkCacheDir } from '../model-registry/model-cache-dir.js';
import { engineBuildKey } from './engine-build-key.js';
import { findToolchain } from './find-toolchain.js';
import { nodeLlamaCppDirs, nodeLlamaCppVersions, type NodeLlamaCppDirs } from './node-llama-cpp-dirs.js';

/** Written into a build folder: the key (engineBuildKey) it was made for. */
const KEY_FILE = 'spark-build-key';
/** node-llama-cpp's marker that a local build finished (getLlama ignores a folder without it). */
const DONE_FILE = 'buildDone.status';
/** The build configuration folder holding the addon and ggml's libraries. */
const BINARIES_DIR = 'Release';

export type EngineBuildErrorCode = 'toolchain_missing' | 'build_failed' | 'aborted';

export class EngineBuildError extends Error {
  readonly code: EngineBuildErrorCode;
  constructor(code: EngineBuildErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineBuildError';
    this.code = code;
  }
}

export interface EngineBuildStatus {
  /** Which build this machine needs (node-llama-cpp version, llama.cpp release, platform, CPU). */
  readonly key: string;
  /** A build for this key sits where node-llama-cpp's getLlama picks it over the prebuilt binaries. */
  readonly installed: boolean;
  /** Spark's cache holds one (survives `npm ci`, which empties node_modules). */
  readonly cached: boolean;
  readonly installDir: string;
  readonly cacheDir: string;
}

export interface EngineBuildOptions {
  readonly signal?: AbortSignal;
  /** Each line the compiler toolchain prints. */
  readonly onOutput?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** node-llama-cpp's folders (tests point them at a stand-in). Default: the installed package. */
  readonly dirs?: NodeLlamaCppDirs;
}

export type EngineBuildResult = 'installed' | 'restored' | 'built';

/** Whether the local build for this machine is installed and cached. */
export async function engineBuildStatus(env: NodeJS.ProcessEnv = process.env, dirs: NodeLlamaCppDirs = nodeLlamaCppDirs()): Promise<EngineBuildStatus> {
  const key = await engineBuildKey(await nodeLlamaCppVersions(dirs));
  const cacheDir = join(sparkCacheDir(env), 'engine-builds', key);
  return {
    key,
    installed: (await buildFolders(dirs.localBuilds, key)).length > 0,
    cached: (await buildFolders(cacheDir, key)).length > 0,
    installDir: dirs.localBuilds,
    cacheDir,
  };
}

/**
 * Copies a cached local build into node-llama-cpp when none is installed (after `npm ci`): a
 * second or two instead of a compile. Returns whether the engine will now load a local build.
 */
export async function restoreEngineBuild(env: NodeJS.ProcessEnv = process.env, dirs: NodeLlamaCppDirs = nodeLlamaCppDirs()): Promise<boolean> {
  const status = await engineBuildStatus(env, dirs);
  if (status.installed) return true;
  if (!status.cached) return false;
  await mkdir(dirs.localBuilds, { recursive: true });
  for (const folder of await buildFolders(status.cacheDir, status.key)) {
    const target = join(dirs.localBuilds, folder);
    const staging = `${target}.spark-restore-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await cp(join(status.cacheDir, folder), staging, { recursive: true });
    try {
      // Another process may have restored it meanwhile, and may be loading it: leave that one be.
      // Anything else there is a build for another machine, or an unfinished one.
      if ((await buildFolders(dirs.localBuilds, status.key)).includes(folder)) continue;
      await rm(target, { recursive: true, force: true });
      await rename(staging, target);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  return (await buildFolders(dirs.localBuilds, status.key)).length > 0;
}

/**
 * Makes the engine run on a local build of node-llama-cpp's bundled llama.cpp release, compiled
 * for this CPU with OpenMP: the prebuilt binaries are compiled without it and start and join
 * their worker threads on every evaluation, which costs a third of decode speed at 2 threads.
 * Restores the cached build when there is one; otherwise compiles (offline, from the package's
 * own source bundle: about 12 minutes on 2 cores) and caches the result.
 */
export async function buildEngine(options: EngineBuildOptions = {}): Promise<EngineBuildResult> {
  const env = options.env ?? process.env;
  const dirs = options.dirs ?? nodeLlamaCppDirs();
  const status = await engineBuildStatus(env, dirs);
  if (status.installed) return 'installed';
  if (await restoreEngineBuild(env, dirs)) return 'restored';

  const toolchain = await findToolchain(env);
  if (toolchain.missing.length > 0) {
    throw new EngineBuildError('toolchain_missing',
      `Building the engine needs ${toolchain.missing.join(', ')} (Debian/Ubuntu: sudo apt-get install cmake g++). `
      + 'Spark runs on the prebuilt binaries meanwhile, with slower multi-threaded decoding.');
  }
  await compile(dirs, env, options);
  const folders = await buildFolders(dirs.localBuilds, undefined);
  if (folders.length === 0) throw new EngineBuildError('build_failed', `The build finished but left no binaries in ${dirs.localBuilds}.`);
  for (const folder of folders) {
    await writeFile(join(dirs.localBuilds, folder, KEY_FILE), `${status.key}\n`);
    await cacheFolder(join(dirs.localBuilds, folder), join(status.cacheDir, folder));
  }
  return 'built';
}

/** `node-llama-cpp source download --gpu false`: clones the bundled release (no network) and compiles it. */
async function compile(dirs: NodeLlamaCppDirs, env: NodeJS.ProcessEnv, options: EngineBuildOptions): Promise<void> {
  options.signal?.throwIfAborted();
  const child = spawn(process.execPath, [dirs.cli, 'source', 'download', '--gpu', 'false', '--noUsageExample'], {
    cwd: dirs.root,
    // CI mode would build without OpenMP, as the prebuilt binaries are; this build exists to have it.
    env: { ...env, CI: 'false', NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const onData = (chunk: Buffer): void => {
    for (const raw of chunk.toString().split(/\r|\n/)) {
      // eslint-disable-next-line no-control-regex -- the tool draws progress with ANSI escapes
      const line = raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').trimEnd();
      if (line === '') continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const abort = (): void => { child.kill('SIGTERM'); };
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    if (options.signal?.aborted) throw new EngineBuildError('aborted', 'The engine build was stopped.');
    if (code !== 0) throw new EngineBuildError('build_failed', `Building llama.cpp failed (exit ${String(code)}):\n${tail.join('\n')}`);
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

/** Copies the binaries of one build folder into the cache, atomically (a reader sees all of it or none). */
async function cacheFolder(source: string, target: string): Promise<void> {
  const staging = `${target}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await cp(join(source, BINARIES_DIR), join(staging, BINARIES_DIR), { recursive: true });
  await cp(join(source, DONE_FILE), join(staging, DONE_FILE));
  await cp(join(source, KEY_FILE), join(staging, KEY_FILE));
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
}

/**
 * Folders under `dir` holding a finished build (its addon and node-llama-cpp's done marker),
 * made for `key` (any key when undefined).
 */
async function buildFolders(dir: string, key: string | undefined): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    const folder = join(dir, name);
    if (!(await exists(join(folder, DONE_FILE))) || !(await exists(join(folder, BINARIES_DIR, 'llama-addon.node')))) continue;
    if (key !== undefined && (await readText(join(folder, KEY_FILE)))?.trim() !== key) continue;
    found.push(name);
  }
  return found;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
