import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type WebSocket from 'ws';
import { countChatStream, countResponsesSse, countResponsesWs, openCountedSocket, type CountedStream } from './counted-streams.js';
import { timedChatStream } from './peer/chat-timing-client.js';
import { processCpuMicros } from './process-cpu.js';
import { spawnServer, type SpawnedServer } from './spawn-server.js';
import { timedStream } from './sse-timing-client.js';
import { fmt, median } from './stats.js';
import { DEFAULT_SYNTHETIC_TOKENS_PER_SECOND, DEFAULT_SYNTHETIC_TTFT_MS } from './synthetic-upstream.js';
import { WsTimingClient } from './ws-timing-client.js';

const SYNTHETIC_UPSTREAM = fileURLToPath(new URL('./synthetic-upstream-process.js', import.meta.url));

export interface UpstreamBenchOptions {
  /** One stream's rate (the 2000 tok/s). */
  tokensPerSecond: number;
  ttftMs: number;
  /** Tokens of each single stream, and rounds of the four paths, interleaved. */
  singleTokens: number;
  singleRounds: number;
  /** The concurrent burst: streams, each one's rate and length, rounds of the three paths. */
  streams: number;
  streamTokensPerSecond: number;
  streamTokens: number;
  burstRounds: number;
}

export const DEFAULT_UPSTREAM_BENCH: UpstreamBenchOptions = {
  tokensPerSecond: DEFAULT_SYNTHETIC_TOKENS_PER_SECOND,
  ttftMs: DEFAULT_SYNTHETIC_TTFT_MS,
  singleTokens: 2000,
  singleRounds: 11,
  streams: 50,
  streamTokensPerSecond: 1000,
  streamTokens: 2000,
  burstRounds: 3,
};

/** The goals (issue 14): what Spark may add in front of a fast upstream. */
const GOAL_ADDED_TTFT_MS = 2;
const GOAL_RATE_RATIO = 0.98;
const GOAL_CPU_CORES = 1;

type SinglePath = 'direct' | 'sse' | 'ws' | 'chat';
const SINGLE_LABELS: Record<SinglePath, string> = {
  direct: 'direct to the upstream (Chat Completions SSE)',
  sse: 'through Spark, Responses over HTTP+SSE',
  ws: 'through Spark, Responses over WebSocket',
  chat: 'through Spark, Chat Completions SSE',
};

interface SingleSample { ttftMs: number; tokensPerSecond: number; sparkMicrosPerToken: number }

type BurstPath = 'direct' | 'ws' | 'sse';
const BURST_LABELS: Record<BurstPath, string> = {
  direct: 'direct to the upstream',
  ws: 'through Spark, WebSocket',
  sse: 'through Spark, HTTP+SSE',
};

interface BurstSample {
  completed: number;
  aggregate: number;
  perStream: number;
  sparkCores: number;
  sparkMicrosPerToken: number;
  upstreamCores: number;
  clientCores: number;
  error?: string;
}

/**
 * `npm run bench -- --only upstream`: Spark in front of a fast upstream (issue 14). A synthetic
 * Chat Completions server in its own process streams at a fixed rate after a fixed TTFT; a
 * `spark serve --upstream syn=<url>` child (no local model) serves it as `syn/tps-<rate>`. One
 * stream direct versus through Spark over each transport (TTFT Spark adds, tok/s ratio, Spark's
 * CPU per token), then a burst of concurrent streams (all complete? aggregate tok/s against the
 * same burst direct, Spark's CPU in cores). Paths alternate within each round; medians.
 */
export async function benchUpstream(options: UpstreamBenchOptions = DEFAULT_UPSTREAM_BENCH): Promise<void> {
  const rates = [...new Set([options.tokensPerSecond, options.streamTokensPerSecond])];
  const upstream = await spawnServer([String(options.ttftMs), rates.join(',')], SYNTHETIC_UPSTREAM);
  let spark: SpawnedServer | undefined;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, SPARK_CONFIG: join(tmpdir(), 'spark-bench-no-config.json') };
    delete env['SPARK_MODEL'];
    delete env['SPARK_API_KEY'];
    spark = await spawnServer(['--upstream', `syn=${upstream.url}/v1`], undefined, env);
    const single = await singleStreams(upstream, spark, options);
    const burst = await bursts(upstream, spark, options);
    report(options, single, burst);
  } finally {
    await spark?.stop();
    await upstream.stop();
  }
}

async function singleStreams(upstream: SpawnedServer, spark: SpawnedServer, options: UpstreamBenchOptions): Promise<Map<SinglePath, SingleSample[]>> {
  const direct = `tps-${options.tokensPerSecond}`;
  const via = `syn/${direct}`;
  const ws = await WsTimingClient.connect(spark.url);
  const samples = new Map<SinglePath, SingleSample[]>([['direct', []], ['sse', []], ['ws', []], ['chat', []]]);
  const paths: SinglePath[] = ['direct', 'sse', 'ws', 'chat'];
  try {
    const once = async (path: SinglePath, tokens: number): Promise<SingleSample> => {
      const before = processCpuMicros(spark.pid);
      const sample = await streamOnce(path, tokens);
      return { ...sample, sparkMicrosPerToken: path === 'direct' ? Number.NaN : (processCpuMicros(spark.pid) - before) / tokens };
    };
    const streamOnce = async (path: SinglePath, tokens: number): Promise<Omit<SingleSample, 'sparkMicrosPerToken'>> => {
      const messages = [{ role: 'user' as const, content: 'Stream, please.' }];
      switch (path) {
        case 'direct': return expectTokens(await timedChatStream(upstream.url, messages, tokens, direct), tokens);
        case 'chat': return expectTokens(await timedChatStream(spark.url, messages, tokens, via), tokens);
        case 'sse': return expectTokens(await timedStream(spark.url, { model: via, input: 'Stream, please.', store: false, max_output_tokens: tokens }), tokens);
        case 'ws': {
          const turn = await ws.create({ model: via, input: 'Stream, please.', store: false, max_output_tokens: tokens });
          if (turn.terminal !== 'response.completed') throw new Error(`WebSocket turn ended with ${turn.terminal}`);
          const deltas = turn.events.filter((timed) => timed.event.type === 'response.output_text.delta');
          const first = deltas[0]?.at ?? 0;
          const last = deltas.at(-1)?.at ?? 0;
          return expectTokens({ ttftMs: turn.ttftMs, outputTokens: turn.usage.output_tokens, decodeTokensPerSecond: last > first ? ((deltas.length - 1) * 1000) / (last - first) : 0 }, tokens);
        }
        default: {
          const unreachable: never = path;
          throw new Error(`unknown path ${String(unreachable)}`);
        }
      }
    };
    // Warm-up: connections, the upstream's keep-alive socket, JIT; not counted.
    for (const path of paths) await once(path, 50);
    for (let round = 0; round < options.singleRounds; round++) {
      // Rotate the order, so drift in the machine's load favours no path.
      const order = paths.map((_, i) => paths[(i + round) % paths.length] as SinglePath);
      for (const path of order) samples.get(path)?.push(await once(path, options.singleTokens));
    }
  } finally {
    await ws.close();
  }
  return samples;
}

function expectTokens(timing: { ttftMs: number; outputTokens: number; decodeTokensPerSecond: number }, tokens: number): Omit<SingleSample, 'sparkMicrosPerToken'> {
  if (timing.outputTokens !== tokens) throw new Error(`asked for ${tokens} tokens, got ${timing.outputTokens}`);
  return { ttftMs: timing.ttftMs, tokensPerSecond: timing.decodeTokensPerSecond };
}

async function bursts(upstream: SpawnedServer, spark: SpawnedServer, options: UpstreamBenchOptions): Promise<Map<BurstPath, BurstSample[]>> {
  const samples = new Map<BurstPath, BurstSample[]>([['direct', []], ['ws', []], ['sse', []]]);
  const paths: BurstPath[] = ['direct', 'ws', 'sse'];
  // Warm-up: one short burst per path, not counted. The first burst of a path pays for JIT and
  // GC sizing; without it, the median of a few rounds counts that start-up cost as streaming.
  for (const path of paths) await burstOnce(upstream, spark, options, path, BURST_WARMUP_TOKENS);
  for (let round = 0; round < options.burstRounds; round++) {
    const order = paths.map((_, i) => paths[(i + round) % paths.length] as BurstPath);
    for (const path of order) samples.get(path)?.push(await burstOnce(upstream, spark, options, path, options.streamTokens));
  }
  return samples;
}

/** Tokens per stream of the uncounted warm-up burst. */
const BURST_WARMUP_TOKENS = 500;

async function burstOnce(upstream: SpawnedServer, spark: SpawnedServer, options: UpstreamBenchOptions, path: BurstPath, tokens: number): Promise<BurstSample> {
  const direct = `tps-${options.streamTokensPerSecond}`;
  const via = `syn/${direct}`;
  // Sockets open before the clock starts: the burst measures streaming, not handshakes.
  const sockets: WebSocket[] = path === 'ws' ? await Promise.all(Array.from({ length: options.streams }, () => openCountedSocket(spark.url))) : [];
  try {
    const sparkBefore = processCpuMicros(spark.pid);
    const upstreamBefore = processCpuMicros(upstream.pid);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const streams = await Promise.all(Array.from({ length: options.streams }, (_, index): Promise<CountedStream> => {
      switch (path) {
        case 'direct': return countChatStream(upstream.url, { model: direct, messages: [{ role: 'user', content: `Stream ${index}.` }], max_tokens: tokens }, tokens);
        case 'sse': return countResponsesSse(spark.url, { model: via, input: `Stream ${index}.`, store: false, max_output_tokens: tokens }, tokens);
        case 'ws': return countResponsesWs(sockets[index] as WebSocket, { model: via, input: `Stream ${index}.`, store: false, max_output_tokens: tokens }, tokens);
        default: {
          const unreachable: never = path;
          throw new Error(`unknown path ${String(unreachable)}`);
        }
      }
    }));
    const wallMs = performance.now() - started;
    const sparkMicros = processCpuMicros(spark.pid) - sparkBefore;
    const clientCpu = process.cpuUsage(clientBefore);
    const ok = streams.filter((stream) => stream.ok);
    const total = ok.reduce((sum, stream) => sum + stream.tokens, 0);
    const span = Math.max(...ok.map((stream) => stream.lastAt)) - Math.min(...ok.map((stream) => stream.firstAt));
    const error = streams.find((stream) => !stream.ok)?.error;
    return {
      completed: ok.length,
      aggregate: ok.length > 0 ? (total * 1000) / span : 0,
      perStream: median(ok.map((stream) => ((stream.tokens - 1) * 1000) / (stream.lastAt - stream.firstAt))),
      sparkCores: path === 'direct' ? Number.NaN : sparkMicros / 1000 / wallMs,
      sparkMicrosPerToken: path === 'direct' ? Number.NaN : sparkMicros / total,
      upstreamCores: (processCpuMicros(upstream.pid) - upstreamBefore) / 1000 / wallMs,
      clientCores: (clientCpu.user + clientCpu.system) / 1000 / wallMs,
      ...(error === undefined ? {} : { error }),
    };
  } finally {
    for (const socket of sockets) socket.close(1000);
  }
}

function report(options: UpstreamBenchOptions, single: Map<SinglePath, SingleSample[]>, burst: Map<BurstPath, BurstSample[]>): void {
  const directSingle = single.get('direct') ?? [];
  const directTtft = median(directSingle.map((sample) => sample.ttftMs));
  const directRate = median(directSingle.map((sample) => sample.tokensPerSecond));
  const verdicts: string[] = [];
  console.log(`\n## upstream: one stream of ${options.singleTokens} tokens from a synthetic upstream at ${options.tokensPerSecond} tok/s, TTFT ${options.ttftMs} ms (${options.singleRounds} interleaved rounds, medians)`);
  console.log('| path | TTFT ms | TTFT added ms | tok/s | tok/s ratio | Spark CPU us/token |');
  console.log('|---|---|---|---|---|---|');
  for (const [path, samples] of single) {
    const ttft = median(samples.map((sample) => sample.ttftMs));
    const rate = median(samples.map((sample) => sample.tokensPerSecond));
    if (path === 'direct') {
      console.log(`| ${SINGLE_LABELS[path]} | ${fmt(ttft, 2)} | - | ${fmt(rate, 0)} | 1.000 | - |`);
      continue;
    }
    // Added TTFT as the median of each round's difference: both sides of a pair saw the same load.
    const added = median(samples.map((sample, round) => sample.ttftMs - (directSingle[round]?.ttftMs ?? Number.NaN)));
    const ratio = rate / directRate;
    console.log(`| ${SINGLE_LABELS[path]} | ${fmt(ttft, 2)} | ${fmt(added, 2)} | ${fmt(rate, 0)} | ${fmt(ratio, 3)} | ${fmt(median(samples.map((sample) => sample.sparkMicrosPerToken)), 1)} |`);
    verdicts.push(`${path}: TTFT added ${fmt(added, 2)} ms (goal <= ${GOAL_ADDED_TTFT_MS}: ${added <= GOAL_ADDED_TTFT_MS ? 'met' : 'MISSED'}), tok/s ${fmt(ratio, 3)}x (goal >= ${GOAL_RATE_RATIO}: ${ratio >= GOAL_RATE_RATIO ? 'met' : 'MISSED'})`);
  }
  console.log(`direct TTFT ${fmt(directTtft, 2)} ms against the upstream's ${options.ttftMs} ms; ${verdicts.join('; ')}`);

  const directBurst = median((burst.get('direct') ?? []).map((sample) => sample.aggregate));
  console.log(`\n## upstream: ${options.streams} concurrent streams x ${options.streamTokens} tokens at ${options.streamTokensPerSecond} tok/s each (${options.burstRounds} interleaved rounds after an uncounted warm-up burst per path, medians; CPU in cores = CPU-seconds per wall second)`);
  console.log('| path | completed | aggregate tok/s | ratio to direct | per-stream tok/s | Spark CPU cores | Spark CPU us/token | upstream CPU cores | bench client CPU cores |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const burstVerdicts: string[] = [];
  for (const [path, samples] of burst) {
    const completed = Math.min(...samples.map((sample) => sample.completed));
    const aggregate = median(samples.map((sample) => sample.aggregate));
    const cores = median(samples.map((sample) => sample.sparkCores));
    const spark = path === 'direct' ? '-' : fmt(cores, 2);
    const perToken = path === 'direct' ? '-' : fmt(median(samples.map((sample) => sample.sparkMicrosPerToken)), 1);
    console.log(`| ${BURST_LABELS[path]} | ${completed}/${options.streams} | ${fmt(aggregate, 0)} | ${fmt(aggregate / directBurst, 3)} | ${fmt(median(samples.map((sample) => sample.perStream)), 0)} | ${spark} | ${perToken} | ${fmt(median(samples.map((sample) => sample.upstreamCores)), 2)} | ${fmt(median(samples.map((sample) => sample.clientCores)), 2)} |`);
    const error = samples.find((sample) => sample.error !== undefined)?.error;
    if (error !== undefined) console.log(`first failure (${path}): ${error}`);
    if (path !== 'direct') {
      const all = completed === options.streams;
      // A Spark starved of CPU (a busy machine) streams slower and so shows fewer cores than it
      // would need: the goal is judged on the larger of what it used and its CPU per token at the
      // offered rate.
      const offered = (median(samples.map((sample) => sample.sparkMicrosPerToken)) * options.streams * options.streamTokensPerSecond) / 1e6;
      const needed = Math.max(cores, offered);
      burstVerdicts.push(`${path}: ${all ? 'all complete' : 'NOT ALL COMPLETE'}, ${fmt(aggregate / directBurst, 3)}x the upstream's aggregate, Spark ${fmt(cores, 2)} cores used, ${fmt(offered, 2)} at the offered ${options.streams * options.streamTokensPerSecond} tok/s (goal < ${GOAL_CPU_CORES}: ${all && needed < GOAL_CPU_CORES ? 'met' : 'MISSED'})`);
    }
  }
  console.log(burstVerdicts.join('; '));
}
