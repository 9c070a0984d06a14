// Test support: runs OpenAI's Codex CLI (a devDependency) against `spark serve`, fully isolated:
// its own CODEX_HOME, HOME and scratch repository, a dummy key, and no route to any other server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord } from './recording-proxy.js';

/** Provider id the generated config.toml declares. */
export const CODEX_PROVIDER_ID = 'spark';
/** Environment variable Codex reads the provider's key from (`env_key`). */
export const CODEX_KEY_ENV = 'SPARK_CODEX_TEST_KEY';

/**
 * Short system prompt for the catalog entry. Codex's own fallback prompt is ~17.7k characters
 * (~4k tokens more): it would not fit an 8k-context test model beside the tools, and it only
 * lengthens prefill, which is not what these tests are about.
 */
export const CODEX_TEST_BASE_INSTRUCTIONS = 'You are Codex, a coding agent running on a small local model. Answer in one short sentence. Use a tool only when the user asks for one.';

/**
 * `model_catalog_json` entry for a Spark model, in Codex 0.169's `ModelInfo` shape
 * (`{"models": [ModelInfo]}`). Codex refuses a catalog entry that lacks any of: slug,
 * display_name, supported_reasoning_levels, shell_type, visibility, supported_in_api, priority,
 * support_verbosity, truncation_policy, experimental_supported_tools, and base_instructions (or
 * model_messages.instructions_template). Without an entry for the model at all, Codex falls back
 * to generic metadata and sends no `apply_patch` tool.
 */
export function sparkModelCatalog(model: string, contextWindow: number): { models: Array<Record<string, unknown>> } {
  return {
    models: [{
      slug: model,
      display_name: `${model} (Spark)`,
      description: 'Local model served by spark serve.',
      base_instructions: CODEX_TEST_BASE_INSTRUCTIONS,
      // No reasoning levels: Codex then sends no `reasoning.effort` for this model.
      supported_reasoning_levels: [],
      // With its default `unified_exec` feature on, Codex 0.169 serves this as exec_command + write_stdin.
      shell_type: 'shell_command',
      visibility: 'list',
      supported_in_api: true,
      priority: 1,
      support_verbosity: false,
      // The freeform (custom tool, Lark grammar) apply_patch that Codex uses with OpenAI's models.
      apply_patch_tool_type: 'freeform',
      truncation_policy: { mode: 'tokens', limit: 10_000 },
      experimental_supported_tools: [],
      context_window: contextWindow,
      input_modalities: ['text'],
    }],
  };
}

/** Settings of one generated Codex configuration. */
export interface CodexConfigOptions {
  /** Provider base URL including `/v1`. */
  baseUrl: string;
  model: string;
  catalogPath: string;
  supportsWebsockets: boolean;
  /** Codex's sandbox; default `read-only` (a run that must write, e.g. apply a patch, in a container where Codex's own sandbox cannot start: `danger-full-access`). */
  sandbox?: 'read-only' | 'workspace-write' | 'danger-full-access';
}

/**
 * config.toml for one run. Retries are off so a rejected request fails the turn at once instead
 * of hiding behind backoff; analytics, feedback, history and update checks are off so nothing
 * reaches for the network.
 */
export function codexConfigToml(options: CodexConfigOptions): string {
  return [
    `model = ${tomlString(options.model)}`,
    `model_provider = ${tomlString(CODEX_PROVIDER_ID)}`,
    `model_catalog_json = ${tomlString(options.catalogPath)}`,
    'approval_policy = "never"',
    `sandbox_mode = ${tomlString(options.sandbox ?? 'read-only')}`,
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[history]',
    'persistence = "none"',
    '',
    `[model_providers.${CODEX_PROVIDER_ID}]`,
    'name = "Spark"',
    `base_url = ${tomlString(options.baseUrl)}`,
    'wire_api = "responses"',
    `env_key = ${tomlString(CODEX_KEY_ENV)}`,
    'requires_openai_auth = false',
    `supports_websockets = ${String(options.supportsWebsockets)}`,
    'request_max_retries = 0',
    'stream_max_retries = 0',
    'stream_idle_timeout_ms = 120000',
    // Codex waits this long for its WebSocket warm-up (`generate: false`) too; on a 2-core CPU
    // that prefill takes longer than the 15 s default, after which Codex drops the warm socket.
    'websocket_connect_timeout_ms = 120000',
    '',
  ].join('\n');
}

/** JSON strings are valid TOML basic strings for the ASCII paths and URLs used here. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** A scratch repository, HOME and CODEX_HOME shared by the runs of one test file. */
export interface CodexWorkspace {
  root: string;
  codexHome: string;
  home: string;
  /** A fresh git repository with a README.md: Codex's working directory. */
  repo: string;
  catalogPath: string;
  /** Deletes everything. */
  dispose(): Promise<void>;
}

/**
 * Creates the workspace and the model catalog. Sharing one CODEX_HOME and repository between
 * runs keeps Codex's prompt prefix (skill roots, cwd) identical, so the server's KV cache serves
 * the second run's prefill.
 */
export async function createCodexWorkspace(model: string, contextWindow: number): Promise<CodexWorkspace> {
  const root = await mkdtemp(join(tmpdir(), 'spark-codex-'));
  const workspace: CodexWorkspace = {
    root,
    codexHome: join(root, 'codex-home'),
    home: join(root, 'home'),
    repo: join(root, 'repo'),
    catalogPath: join(root, 'codex-home', 'spark-models.json'),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
  try {
    await Promise.all([mkdir(workspace.codexHome), mkdir(workspace.home), mkdir(workspace.repo)]);
    await writeFile(workspace.catalogPath, `${JSON.stringify(sparkModelCatalog(model, contextWindow), null, 2)}\n`);
    await writeFile(join(workspace.repo, 'README.md'), '# scratch\n\nA scratch repository for a Codex end-to-end test.\n');
    spawnSync('git', ['init', '-q'], { cwd: workspace.repo, stdio: 'ignore' });
  } catch (error) {
    await workspace.dispose();
    throw error;
  }
  return workspace;
}

/** What one `codex exec` run needs. */
export interface CodexExecOptions extends Omit<CodexConfigOptions, 'catalogPath'> {
  apiKey: string;
  prompt: string;
  /** The run is killed (whole process group) after this long. */
  timeoutMs: number;
}

/** Outcome of one `codex exec --json` run. */
export interface CodexExecResult {
  /** null when killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Parsed JSONL events from stdout (`thread.started`, `turn.completed`, `item.completed`...). */
  events: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
  durationMs: number;
  configToml: string;
}

/** Writes the run's config.toml into the workspace and runs `codex exec --json` once. */
export async function runCodexExec(workspace: CodexWorkspace, options: CodexExecOptions): Promise<CodexExecResult> {
  const configToml = codexConfigToml({ ...options, catalogPath: workspace.catalogPath });
  await writeFile(join(workspace.codexHome, 'config.toml'), configToml);
  const args = [
    codexEntry(), 'exec', '--json', '--strict-config', '--skip-git-repo-check', '--ephemeral', '--ignore-rules',
    '--sandbox', options.sandbox ?? 'read-only', '--color', 'never', '-C', workspace.repo, options.prompt,
  ];
  // A minimal environment: no OPENAI_API_KEY, no proxy variables, nothing from the user's HOME.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: workspace.home,
    CODEX_HOME: workspace.codexHome,
    [CODEX_KEY_ENV]: options.apiKey,
    NO_PROXY: '127.0.0.1,localhost',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
  };
  const started = Date.now();
  // Detached: its own process group, so a timeout kills Codex and every command it started.
  const child = spawn(process.execPath, args, { cwd: workspace.repo, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, options.timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  }).finally(() => clearTimeout(timer));
  return {
    exitCode, signal, timedOut, stdout, stderr, configToml,
    events: parseJsonLines(stdout),
    durationMs: Date.now() - started,
  };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The `codex` launcher script of the installed @openai/codex package. */
function codexEntry(): string {
  const packageJson = createRequire(import.meta.url).resolve('@openai/codex/package.json');
  return join(dirname(packageJson), 'bin', 'codex.js');
}

function parseJsonLines(text: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (isRecord(parsed)) events.push(parsed);
    } catch {
      // Not an event line.
    }
  }
  return events;
}

/** A `spark serve` child process. */
export interface SparkServeProcess {
  /** `http://127.0.0.1:port`, without `/v1`. */
  url: string;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if a signal ended it) when the process is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartSparkServeOptions {
  /** The program and its leading arguments (default: this node on the built `main.js`), e.g. an installed `spark`. */
  command?: readonly [string, ...string[]];
  env?: NodeJS.ProcessEnv;
}

/** Starts the real CLI (`dist/main.js serve --port 0 ...`, or `options.command`) and resolves once it prints its URL. */
export async function startSparkServe(args: readonly string[], readyTimeoutMs = 120_000, options: StartSparkServeOptions = {}): Promise<SparkServeProcess> {
  const [program, ...leading] = options.command ?? [process.execPath, fileURLToPath(new URL('../main.js', import.meta.url))];
  const child = spawn(program, [...leading, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  let log = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`spark serve did not become ready in ${readyTimeoutMs} ms:\n${log.slice(-2000)}`)), readyTimeoutMs);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const match = /spark serve: (https?:\/\/\S+?)\/v1\b/.exec(log);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`spark serve exited (${code ?? signal ?? '?'}) before it was ready:\n${log.slice(-2000)}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });
  return {
    url,
    log: () => log,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
