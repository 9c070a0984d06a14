import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { Engine } from '@spark/engine';
import { batchLimitCacheFile, DEFAULT_MODEL_ALIAS, LlamaEngine, speculationAdvice } from '@spark/engine-llama';
import { PROVIDER_PRESETS } from '@spark/engine-upstream';
import { MAX_JSON_DEPTH, MAX_SCHEMA_DEPTH, MAX_TOOLS, MAX_TOTAL_SCHEMA_CHARS } from '@spark/protocol';
import {
  DEFAULT_ADMISSION_MAX_WAIT_MS, DEFAULT_ADMISSION_QUEUE_DEPTH, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, DEFAULT_WS_CONTROL_FRAME_WINDOW_MS,
  DEFAULT_WS_MAX_CONTROL_FRAMES, DEFAULT_WS_MAX_PAYLOAD_BYTES, startServer,
} from '@spark/server';
import { CliError } from './cli-error.js';
import { intOption, numberOption, parseApproval } from './cli-options.js';
import { DEFAULT_MEMORY_BUDGET_SHARE, describeModelMemory, parseKvCacheFlags, parseMemoryBudget, parseRopeScaling, parseSwaCache } from './context-options.js';
import { mountApp, type MountedApp } from './app/mount-app.js';
import { openBrowser } from './app/open-browser.js';
import { configPath, loadConfig } from './interactive/spark-config.js';
import { pullWithProgress } from './pull-with-progress.js';
import { readTlsFiles } from './tls-files.js';
import { openUpstreamEngines } from './upstream-engines.js';

export const SERVE_USAGE = `Usage: spark serve [options]
  --model <alias|path.gguf>  model to serve; repeatable (default: ${DEFAULT_MODEL_ALIAS}, pulled on first use;
                             when the hub is unreachable the offline fallback model is used; with
                             --upstream and no --model, no local model is loaded)
  --upstream <name>[=<url>]  serve a provider's models as <name>/<model>; repeatable. A preset name
                             is enough (${Object.keys(PROVIDER_PRESETS).join(', ')});
                             a URL makes any OpenAI-compatible server one (its wire API, Responses
                             or Chat Completions, is detected). Keys come from <NAME>_API_KEY
                             (the preset's variable) or --upstream-key; also "upstreams" in the config file
  --upstream-key <name>=env:<VAR>  read that provider's key from the environment variable VAR
  --host <addr>              bind address (default 127.0.0.1; any other needs an API key)
  --port <n>                 port (default ${DEFAULT_PORT}; env SPARK_PORT)
  --tls-cert <file>          serve HTTPS and wss on the same port with this PEM certificate (chain);
                             needs --tls-key (default: plain HTTP; put a reverse proxy in front, or use these)
  --tls-key <file>           the certificate's PEM private key (unencrypted)
  --api-key <key>            require "Authorization: Bearer <key>"; repeatable (env SPARK_API_KEY, comma-separated)
  --ctx <tokens>             context size per sequence (default: the model's whole window where
                             the memory budget holds it, else the most it holds); refused over the
                             model's window or the budget
  --memory-budget <size>     what each local model may take, weights plus KV cache: 8G, 512M, or a
                             share of RAM such as 60% (default ${DEFAULT_MEMORY_BUDGET_SHARE * 100}% of RAM, split between models)
  --kv-cache-type <t>        KV cache element type for K and V: f16 (default), q8_0 (half the
                             memory), q4_0 (about a quarter); a quantized V needs flash attention
  --kv-cache-type-k <t>, --kv-cache-type-v <t>   the same for K or V alone
  --swa-cache <window|full>  sliding-window models (Gemma 3): window (default) keeps only the
                             window's cells for the local-attention layers (0.6x the memory at 32k);
                             a cut deeper than the window holds re-reads the prompt. full keeps them all
  --rope-scaling yarn --rope-scale <n> [--yarn-orig-ctx <n>]   stretch the trained window n times
                             (Qwen2.5-Coder: --rope-scale 4 --yarn-orig-ctx 32768 for 131072 tokens)
  --sequences <n>            parallel sequences kept warm per model (default 4); requests beyond
                             them wait in the admission queue
  --max-queue <n>            requests that may wait for a sequence, per model, before 429 with
                             Retry-After (default ${DEFAULT_ADMISSION_QUEUE_DEPTH}; 0 refuses once all sequences are busy)
  --max-queue-wait <s>       seconds a request may wait for a sequence before 429 (default ${DEFAULT_ADMISSION_MAX_WAIT_MS / 1000})
  --threads <n>              CPU threads for prompt prefill (default: all cores)
  --decode-threads <n>       CPU threads while only decoding (default: --threads on a local
                             engine build, half of it on the prebuilt binaries)
  --db <path>                SQLite file for stored responses (default ~/.local/share/spark/responses.db)
  --offline                  never contact the model hub
  --no-prefix-reuse          prefill every prompt in full (no KV reuse; a benchmark baseline)
  --no-speculation           plain decoding only (no prompt-lookup / predicted-output drafts)
  --verify-threads <n>       CPU threads for a speculative verification batch (default: --threads)
  --repeat-penalty <x>       llama.cpp's repetition penalty on every generation (default 1: off;
                             1.1 is common); generations it applies to never speculate
  --repeat-last-n <n>        tokens the repetition penalty looks back over (default 64)
  --dry-multiplier <x>       DRY ("don't repeat yourself") sampling strength (default 0: off; 0.8 is
                             the recommended value); also ends speculation
  --exact-speculation        verify only batches bit-identical to one-token steps (greedy output
                             equals plain decoding; default: within 0.05 probability, near-ties may flip)
  --fast-speculation         verify up to 63 tokens a batch however it rounds (fastest; greedy
                             output may differ from plain decoding at choices the batch ranks otherwise)
  --no-websocket             answer WebSocket upgrades with 426 (clients fall back to HTTP)
  --approval <mode>          what the agent host's threads may do without asking: ask (default:
                             the app answers approvals) | auto-in-workspace | never-ask
  --no-app                   do not serve the agent host (/v1/agent) and the browser app for this
                             directory (by default both are on, behind a per-start token printed once)
  --ws-allowed-origin <o>    browser Origin allowed to open a WebSocket; repeatable, '*' for any
                             (default: localhost and the server's own IP only)
  --allowed-host <name>      Host header name to answer besides localhost, loopback addresses and
                             the bind address (others get 403: DNS rebinding); repeatable, '*' for any.
                             On a non-loopback --host (key required) any Host is accepted unless given
  --cors-origin <origin>     browser origin (https://app.example) allowed cross-origin requests:
                             CORS preflight and Access-Control-Allow-Origin; repeatable. Other
                             foreign Origins get 403; request bodies must be application/json (415)

Limits: request bodies up to ${mib(DEFAULT_MAX_BODY_BYTES)} (413 beyond: a 1M-token history as JSON fits), WebSocket
frames up to ${mib(DEFAULT_WS_MAX_PAYLOAD_BYTES)}; JSON nesting ${MAX_JSON_DEPTH} levels, each schema ${MAX_SCHEMA_DEPTH}, ${MAX_TOOLS} tools,
${mib(MAX_TOTAL_SCHEMA_CHARS)} of schemas in all (400 beyond); ${DEFAULT_WS_MAX_CONTROL_FRAMES} WebSocket pings per ${DEFAULT_WS_CONTROL_FRAME_WINDOW_MS / 1000} s (1008 beyond).`;

function mib(bytes: number): string {
  return `${bytes / (1024 * 1024)} MB`;
}

/** How `spark app` runs the server: an ephemeral port unless one is given, and the browser opened. */
export interface ServeMode {
  app?: { open: boolean };
}

export async function serveCommand(argv: readonly string[], signal: AbortSignal, mode: ServeMode = {}): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      model: { type: 'string', multiple: true },
      host: { type: 'string' },
      port: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      ctx: { type: 'string' },
      'memory-budget': { type: 'string' },
      'kv-cache-type': { type: 'string' },
      'kv-cache-type-k': { type: 'string' },
      'kv-cache-type-v': { type: 'string' },
      'swa-cache': { type: 'string' },
      'rope-scaling': { type: 'string' },
      'rope-scale': { type: 'string' },
      'yarn-orig-ctx': { type: 'string' },
      sequences: { type: 'string' },
      'max-queue': { type: 'string' },
      'max-queue-wait': { type: 'string' },
      threads: { type: 'string' },
      'decode-threads': { type: 'string' },
      db: { type: 'string' },
      offline: { type: 'boolean' },
      'no-websocket': { type: 'boolean' },
      'no-app': { type: 'boolean' },
      approval: { type: 'string' },
      'no-prefix-reuse': { type: 'boolean' },
      'no-speculation': { type: 'boolean' },
      'verify-threads': { type: 'string' },
      'repeat-penalty': { type: 'string' },
      'repeat-last-n': { type: 'string' },
      'dry-multiplier': { type: 'string' },
      'exact-speculation': { type: 'boolean' },
      'fast-speculation': { type: 'boolean' },
      'ws-allowed-origin': { type: 'string', multiple: true },
      'allowed-host': { type: 'string', multiple: true },
      'cors-origin': { type: 'string', multiple: true },
      upstream: { type: 'string', multiple: true },
      'upstream-key': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return;
  }
  const env = process.env;
  const config = await loadConfig(env);
  const upstreamConfig = config.upstreams ?? {};
  const withUpstreams = (values.upstream?.length ?? 0) > 0 || Object.keys(upstreamConfig).length > 0;
  // Upstreams alone are a complete server: a local model loads only when asked for (or when there is nothing else).
  const specs = values.model ?? (env['SPARK_MODEL'] ? [env['SPARK_MODEL']] : withUpstreams ? [] : [DEFAULT_MODEL_ALIAS]);
  const apiKeys = [...(values['api-key'] ?? []), ...(env['SPARK_API_KEY']?.split(',').map((k) => k.trim()).filter(Boolean) ?? [])];
  // `spark app` takes any free port: a `spark serve` of another workspace may hold the default.
  const port = intOption('port', values.port ?? (mode.app === undefined ? env['SPARK_PORT'] : undefined), 0) ?? (mode.app === undefined ? DEFAULT_PORT : 0);
  if (mode.app !== undefined && values['no-app']) throw new CliError('spark app serves the app; --no-app is for spark serve');
  const approval = values.approval === undefined ? undefined : parseApproval(values.approval);
  const contextSize = intOption('ctx', values.ctx, 0);
  const sequences = intOption('sequences', values.sequences, 0);
  const memoryBudget = parseMemoryBudget(values['memory-budget']);
  const kvCache = parseKvCacheFlags(values['kv-cache-type'], values['kv-cache-type-k'], values['kv-cache-type-v']);
  const swaCache = parseSwaCache(values['swa-cache']);
  const ropeScaling = parseRopeScaling(values['rope-scaling'], values['rope-scale'], values['yarn-orig-ctx']);
  const maxQueue = intOption('max-queue', values['max-queue'], 0);
  const maxQueueWait = intOption('max-queue-wait', values['max-queue-wait']);
  const threads = intOption('threads', values.threads, 0);
  const decodeThreads = intOption('decode-threads', values['decode-threads'], 0);
  const verifyThreads = intOption('verify-threads', values['verify-threads'], 0);
  const repeatPenalty = numberOption('repeat-penalty', values['repeat-penalty'], 0.01, 10);
  const repeatLastN = intOption('repeat-last-n', values['repeat-last-n']);
  const dryMultiplier = numberOption('dry-multiplier', values['dry-multiplier'], 0, 10);
  if (values['exact-speculation'] && values['fast-speculation']) throw new CliError('--exact-speculation and --fast-speculation contradict each other; pick one');
  // Checked before any model loads: a bad pair fails in a second, not after the download.
  const tls = await readTlsFiles(values['tls-cert'], values['tls-key']);

  const upstreams = withUpstreams
    ? await openUpstreamEngines({
      flags: values.upstream ?? [], keyFlags: values['upstream-key'] ?? [], config: upstreamConfig, env, signal,
      log: (line) => process.stderr.write(`${line}\n`),
    }).catch((error: unknown) => {
      throw error instanceof CliError && Object.keys(upstreamConfig).length > 0 ? new CliError(`${error.message} (upstreams from ${configPath(env)})`) : error;
    })
    : [];
  const models: Array<{ id: string; path: string }> = [];
  let engine: LlamaEngine | undefined;
  try {
    for (const spec of specs) {
      const local = await pullWithProgress(spec, { signal, ...(values.offline ? { offline: true } : {}) });
      models.push({ id: local.alias || basename(local.path, '.gguf'), path: local.path });
    }
    engine = models.length === 0 ? undefined : await loadLocalEngine();
  } catch (error) {
    await Promise.all(upstreams.map((upstream) => upstream.dispose()));
    throw error;
  }
  const engines: Engine[] = [...(engine ? [engine] : []), ...upstreams];
  const disposeAll = async (): Promise<void> => { await Promise.all(engines.map((each) => each.dispose())); };
  let server;
  try {
    server = await startServer({
      engine: engines,
      port,
      ...(values.host ? { host: values.host } : {}),
      ...(apiKeys.length > 0 ? { apiKeys } : {}),
      ...(tls === undefined ? {} : { tls }),
      ...(values.db ? { dbPath: values.db } : {}),
      ...(values['allowed-host'] ? { allowedHosts: values['allowed-host'] } : {}),
      ...(values['cors-origin'] ? { corsOrigins: values['cors-origin'] } : {}),
      limits: {
        ...(maxQueue === undefined ? {} : { admissionQueueDepth: maxQueue }),
        ...(maxQueueWait === undefined ? {} : { admissionMaxWaitMs: maxQueueWait * 1000 }),
      },
      websocket: values['no-websocket'] ? false : { ...(values['ws-allowed-origin'] ? { allowedOrigins: values['ws-allowed-origin'] } : {}) },
      logger: consoleLogger,
    });
  } catch (error) {
    await disposeAll();
    throw error;
  }
  if (engine) await reportLocalEngine(engine);
  process.stderr.write(`spark serve: ${server.url}/v1 (models: ${engines.flatMap((each) => each.listModels().map((m) => m.id)).slice(0, 12).join(', ')})\n`);
  let app: MountedApp | undefined;
  try {
    if (!values['no-app']) {
      app = await mountApp({
        server, workspace: process.cwd(), ...(apiKeys[0] === undefined ? {} : { apiKey: apiKeys[0] }),
        ...(approval === undefined ? {} : { approval }),
        ...(values.model?.[0] === undefined ? {} : { model: models[0]?.id ?? values.model[0] }),
      }).catch((error: unknown) => {
        // The API serves on without the app; `spark app` cannot.
        if (mode.app !== undefined) throw error;
        process.stderr.write(`warning: the app is off: ${error instanceof Error ? error.message : String(error)}\n`);
        return undefined;
      });
    }
    if (app !== undefined) {
      process.stderr.write(`spark app: ${app.appUrl}\n`);
      process.stderr.write(`  agent host for ${app.host.workspace}${app.pages ? '' : ' (the browser app is not built: npm run build)'}; the token is this start's key, keep it private\n`);
      // The host's agents call this server at its https URL, as `spark exec` does: a self-signed certificate must be trusted by Node.
      if (tls !== undefined) process.stderr.write('  TLS: the agent host and spark exec call this https URL; with a self-signed certificate, start both with NODE_EXTRA_CA_CERTS=<the --tls-cert file>\n');
      if (mode.app?.open === true && app.pages) {
        const opened = openBrowser(app.appUrl);
        if (opened === undefined) process.stderr.write('  (no browser found here: open the URL above)\n');
      }
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    process.stderr.write('shutting down...\n');
  } finally {
    await app?.release();
    await server.close();
    await disposeAll();
  }

  async function loadLocalEngine(): Promise<LlamaEngine> {
    process.stderr.write(`loading ${models.map((m) => m.id).join(', ')}...\n`);
    return LlamaEngine.create({
      models,
      ...(contextSize === undefined ? {} : { contextSize }),
      ...(sequences === undefined ? {} : { sequences }),
      // One budget for the server: each local model gets its share.
      memoryBudgetBytes: Math.floor(memoryBudget.bytes / models.length),
      ...kvCache,
      ...swaCache,
      ...ropeScaling,
      ...(threads === undefined ? {} : { threads }),
      ...(decodeThreads === undefined ? {} : { decodeThreads }),
      ...(values['no-prefix-reuse'] ? { prefixReuse: false } : {}),
      ...(values['no-speculation'] ? { speculation: false } : {}),
      ...(values['exact-speculation'] ? { speculationTolerance: 0 } : values['fast-speculation'] ? { speculationTolerance: Infinity } : {}),
      ...(verifyThreads === undefined ? {} : { verifyThreads }),
      ...(repeatPenalty === undefined ? {} : { repeatPenalty: { penalty: repeatPenalty, ...(repeatLastN === undefined ? {} : { lastTokens: repeatLastN }) } }),
      ...(dryMultiplier === undefined ? {} : { dryRepeatPenalty: { strength: dryMultiplier } }),
      batchLimitCacheFile: batchLimitCacheFile(),
    });
  }

  async function reportLocalEngine(local: LlamaEngine): Promise<void> {
    if (!values['no-speculation']) {
      for (const model of models) {
        const advice = await speculationAdvice(model, local.verifyBatchLimit(model.id) ?? Infinity);
        if (advice !== undefined) process.stderr.write(`${advice.message}\n`);
      }
    }
    const mb = (bytes: number): string => `${Math.round(bytes / 1e6)} MB`;
    for (const held of local.memory()) process.stderr.write(`memory: ${describeModelMemory(held, memoryBudget)}\n`);
    const counts = local.threadCounts;
    process.stderr.write(`engine: ${local.buildType === 'localBuild' ? 'local build (OpenMP)' : 'prebuilt binaries'}, threads ${counts.prefill} prefill / ${counts.decode} decode / ${counts.verify} verify; `
      + `resident ${mb(process.memoryUsage.rss())}\n`);
    if (local.buildType === 'prebuilt') {
      process.stderr.write('engine: prebuilt llama.cpp binaries (they start new threads for every token: multi-threaded decoding is about a third slower).\n'
        + '  `spark engine build` compiles them for this CPU once (about 12 minutes on 2 cores, offline); the next start uses that build.\n');
    }
  }
}

const consoleLogger = {
  info: (msg: string): void => { process.stderr.write(`${msg}\n`); },
  warn: (msg: string): void => { process.stderr.write(`warning: ${msg}\n`); },
  error: (msg: string): void => { process.stderr.write(`error: ${msg}\n`); },
};
