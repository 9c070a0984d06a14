import { basename } from 'node:path';
import { batchLimitCacheFile, DEFAULT_MODEL_ALIAS, LlamaEngine, speculationAdvice } from '@spark/engine-llama';
import type { Engine } from '@spark/engine';
import { UpstreamConfigError, type UpstreamConfig } from '@spark/engine-upstream';
import { startServer, type Logger } from '@spark/server';
import { CliError } from './cli-error.js';
import { pullWithProgress } from './pull-with-progress.js';
import { describeUpstream, UpstreamCatalog } from './upstream-catalog.js';
import { providerOf } from './upstream-engines.js';

/** How long a probe of an already running `spark serve` may take before starting our own. */
export const SERVER_PROBE_TIMEOUT_MS = 500;

export interface LocalServer {
  /** Base URL with `/v1`. */
  baseUrl: string;
  model: string;
  /** 'running' when an existing server was found, 'in-process' when this process serves. */
  origin: 'running' | 'in-process';
  /**
   * In process: the upstream providers this server also serves (`<provider>/<model>`), each
   * connected when `openConfigured` or a switch to one of its models asks for it.
   */
  catalog?: UpstreamCatalog;
  /** What serves `model` here, for status displays (`llama.cpp (in-process)`, `lab · Chat Completions at host:port`). */
  engineOf(model: string): string;
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
    if (running !== undefined) {
      return { baseUrl: `http://127.0.0.1:${port}/v1`, model: running, origin: 'running', engineOf: () => `spark serve on port ${port}`, close: async () => undefined };
    }
  }
  const catalog = new UpstreamCatalog({ config: options.upstreams ?? {}, env: process.env });
  const provider = spec.endsWith('.gguf') ? undefined : providerOf(spec);
  const upstream = provider === undefined ? undefined : catalog.provider(provider);
  if (upstream !== undefined) {
    // The model is an upstream's: no local model loads, and the server serves the providers alone.
    try {
      await upstream.open(options.signal);
    } catch (error) {
      await catalog.dispose();
      throw error instanceof UpstreamConfigError ? new CliError(error.message) : error;
    }
    const ids = upstream.listModels().map((info) => info.id);
    process.stderr.write(`upstream ${describeUpstream(upstream.status)}: ${ids.length} model(s)\n`);
    if (!ids.includes(spec)) {
      await catalog.dispose();
      throw new CliError(`${upstream.name} does not offer ${spec}; it offers ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', ...' : ''}.`);
    }
    return serveInProcess(spec, catalog, undefined);
  }
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
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return serveInProcess(id, catalog, engine);
}

/** A loopback server in this process: the local engine (if any) first, then every provider of the catalog. */
async function serveInProcess(model: string, catalog: UpstreamCatalog, local: Engine | undefined): Promise<LocalServer> {
  const engines: Engine[] = [...(local ? [local] : []), ...catalog.engines];
  const disposeAll = async (): Promise<void> => { await Promise.all(engines.map((each) => each.dispose())); };
  try {
    const server = await startServer({ engine: engines, port: 0, dbPath: ':memory:', logger: quietLogger });
    return {
      baseUrl: `${server.url}/v1`, model, origin: 'in-process', catalog,
      engineOf: (id) => {
        const upstream = catalog.engines.find((each) => each.listModels().some((info) => info.id === id));
        if (upstream !== undefined) return describeUpstream(upstream.status);
        return local?.listModels().some((info) => info.id === id) === true ? 'llama.cpp (in-process)' : 'not served';
      },
      close: async () => { await server.close(); await disposeAll(); },
    };
  } catch (error) {
    await disposeAll();
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
