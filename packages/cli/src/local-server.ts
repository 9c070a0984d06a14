import { basename } from 'node:path';
import { batchLimitCacheFile, DEFAULT_MODEL_ALIAS, LlamaEngine, speculationAdvice } from '@spark/engine-llama';
import { PROVIDER_PRESETS, type UpstreamConfig } from '@spark/engine-upstream';
import { startServer, type Logger } from '@spark/server';
import { CliError } from './cli-error.js';
import { pullWithProgress } from './pull-with-progress.js';
import { openUpstreamEngines, providerOf } from './upstream-engines.js';

/** How long a probe of an already running `spark serve` may take before starting our own. */
export const SERVER_PROBE_TIMEOUT_MS = 500;

export interface LocalServer {
  /** Base URL with `/v1`. */
  baseUrl: string;
  model: string;
  /** 'running' when an existing server was found, 'in-process' when this process serves. */
  origin: 'running' | 'in-process';
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** Catalog alias, GGUF path or URL; default the catalog default. */
  model?: string;
  offline?: boolean;
  contextSize?: number;
  threads?: number;
  /** Probe this port for a running `spark serve` first (default: SPARK_PORT or 8000); false skips. */
  probePort?: number | false;
  /** The config file's upstream providers: a model `<provider>/<id>` of one of them (or of a preset) is served from it. */
  upstreams?: Readonly<Record<string, UpstreamConfig>>;
  signal?: AbortSignal;
}

/**
 * A Responses endpoint on this machine: a `spark serve` that is already running and serves the
 * model, or else the embedded engine started in this process on an ephemeral loopback port
 * (nothing is stored: sessions live with the agent).
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const spec = options.model ?? DEFAULT_MODEL_ALIAS;
  if (options.probePort !== false) {
    const port = options.probePort ?? 8000;
    const running = await probeServer(`http://127.0.0.1:${port}/v1`, spec);
    if (running !== undefined) return { baseUrl: `http://127.0.0.1:${port}/v1`, model: running, origin: 'running', close: async () => undefined };
  }
  const provider = spec.endsWith('.gguf') ? undefined : providerOf(spec);
  if (provider !== undefined && (provider in PROVIDER_PRESETS || provider in (options.upstreams ?? {}))) return startUpstreamServer(spec, provider, options);
  const local = await pullWithProgress(spec, { ...(options.signal ? { signal: options.signal } : {}), ...(options.offline ? { offline: true } : {}) });
  const id = local.alias || basename(local.path, '.gguf');
  process.stderr.write(`loading ${id}...\n`);
  const engine = await LlamaEngine.create({
    models: [{ id, path: local.path }],
    ...(options.contextSize === undefined ? {} : { contextSize: options.contextSize }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    // One agent conversation plus a spare for the compaction summary.
    sequences: 2,
    batchLimitCacheFile: batchLimitCacheFile(),
  });
  try {
    // Only a model choice helps here: the agent has no speculation flags.
    const advice = await speculationAdvice({ id, path: local.path }, engine.verifyBatchLimit(id) ?? Infinity);
    if (advice?.kind === 'repacked-q4_k') process.stderr.write(`${advice.message}\n`);
    const server = await startServer({ engine, port: 0, dbPath: ':memory:', logger: quietLogger });
    return {
      baseUrl: `${server.url}/v1`, model: id, origin: 'in-process',
      close: async () => { await server.close(); await engine.dispose(); },
    };
  } catch (error) {
    await engine.dispose();
    throw error;
  }
}

/** A loopback server in this process over one upstream provider, serving `model` (`<provider>/<id>`). */
async function startUpstreamServer(model: string, provider: string, options: LocalServerOptions): Promise<LocalServer> {
  const configured = options.upstreams ?? {};
  const [engine] = await openUpstreamEngines({
    flags: provider in configured ? [] : [provider], keyFlags: [], config: configured, only: new Set([provider]), env: process.env,
    ...(options.signal ? { signal: options.signal } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (engine === undefined) throw new CliError(`No upstream provider '${provider}'.`);
  try {
    const ids = engine.listModels().map((info) => info.id);
    if (!ids.includes(model)) {
      throw new CliError(`${provider} does not offer ${model}; it offers ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', ...' : ''}.`);
    }
    const server = await startServer({ engine, port: 0, dbPath: ':memory:', logger: quietLogger });
    return { baseUrl: `${server.url}/v1`, model, origin: 'in-process', close: async () => { await server.close(); await engine.dispose(); } };
  } catch (error) {
    await engine.dispose();
    throw error;
  }
}

/** The id a running Spark server serves for `spec`, if one answers quickly and serves it. */
async function probeServer(baseUrl: string, spec: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(SERVER_PROBE_TIMEOUT_MS) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { data?: Array<{ id?: unknown; owned_by?: unknown }> };
    const wanted = basename(spec, '.gguf');
    // Local models are Spark's own; an upstream model (`provider/id`) is served under its full id.
    const ids = (body.data ?? []).filter((m) => m.owned_by === 'spark' || m.id === spec).map((m) => m.id).filter((id): id is string => typeof id === 'string');
    if (ids.includes(spec)) return spec;
    return ids.find((id) => id === wanted);
  } catch {
    return undefined;
  }
}

const quietLogger: Logger = {
  info: () => undefined,
  warn: (msg) => { process.stderr.write(`spark server warning: ${msg}\n`); },
  error: (msg) => { process.stderr.write(`spark server error: ${msg}\n`); },
};
