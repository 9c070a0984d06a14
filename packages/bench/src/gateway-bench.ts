import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuMicros } from './process-cpu.js';
import { spawnServer, type SpawnedServer } from './spawn-server.js';
import { fmt, median } from './stats.js';
import { WsTimingClient } from './ws-timing-client.js';

const SCRIPTED_SERVER = fileURLToPath(new URL('./scripted-server.js', import.meta.url));
const OVERHEAD_TURNS = 200;
const STREAM_TOKENS = 20_000;
const STREAM_RUNS = 5;
/** Trivial turns per CPU sample: enough that /proc's 10 ms clock ticks stay a few % of the sample. */
const CPU_TURNS = 400;
/** CPU samples per gateway, alternating between the gateways: short rounds, so a shared machine's load swings hit both. */
const CPU_RUNS = 11;
/** Trivial turns run first on each gateway so its hot paths are compiled before the clock reads. */
const CPU_WARMUP_TURNS = 300;

/**
 * Environment variable naming another built checkout of Spark (say, main before a change): its
 * scripted gateway streams beside this one's, runs interleaved, so the CPU per token of both
 * comes from the same run on the same machine and their ratio is the before/after figure.
 */
export const BASELINE_ENV = 'SPARK_BENCH_BASELINE';

/** One gateway streaming: its process, a persistent WebSocket to it, and its CPU per token per run over each transport. */
interface StreamTarget {
  server: SpawnedServer;
  client: WsTimingClient;
  ws: number[];
  sse: number[];
}

/** One gateway answering trivial turns: its process, a persistent WebSocket to it, and its CPU per turn per run. */
interface TurnTarget {
  server: SpawnedServer;
  client: WsTimingClient;
  perTurn: number[];
}

/** The trivial turn: one short input, one token out, nothing stored. */
const TRIVIAL_TURN = { model: 'scripted', input: 'hi', store: false };

/**
 * The gateway alone, on a zero-work engine: per-turn overhead over one persistent WebSocket versus
 * an HTTP request on a new connection, and server CPU per streamed token (read from /proc).
 */
export async function benchGateway(): Promise<void> {
  const small = await spawnServer(['1'], SCRIPTED_SERVER);
  let wsTurn: number;
  let httpTurn: number;
  try {
    const client = await WsTimingClient.connect(small.url);
    const wsTimes: number[] = [];
    const httpTimes: number[] = [];
    try {
      for (let i = 0; i < OVERHEAD_TURNS; i++) {
        const started = performance.now();
        await client.create(TRIVIAL_TURN);
        wsTimes.push(performance.now() - started);
        const httpStarted = performance.now();
        await postNewConnection(small.url, TRIVIAL_TURN);
        httpTimes.push(performance.now() - httpStarted);
      }
    } finally {
      await client.close();
    }
    wsTurn = median(wsTimes.slice(10));
    httpTurn = median(httpTimes.slice(10));
  } finally {
    await small.stop();
  }

  const baselineRoot = process.env[BASELINE_ENV];
  const baselineEntry = baselineRoot ? join(resolve(baselineRoot), 'packages/bench/dist/scripted-server.js') : undefined;
  const turnTargets: TurnTarget[] = [];
  try {
    turnTargets.push(await turnTarget(SCRIPTED_SERVER));
    if (baselineEntry) turnTargets.push(await turnTarget(baselineEntry));
    for (const target of turnTargets) for (let i = 0; i < CPU_WARMUP_TURNS; i++) await target.client.create(TRIVIAL_TURN);
    for (let r = 0; r < CPU_RUNS; r++) {
      for (const target of r % 2 === 0 ? turnTargets : [...turnTargets].reverse()) await turnsOnce(target);
    }
  } finally {
    for (const target of turnTargets) {
      await target.client.close();
      await target.server.stop();
    }
  }
  const [oursTurn, theirsTurn] = turnTargets as [TurnTarget, TurnTarget | undefined];

  const targets: StreamTarget[] = [];
  try {
    targets.push(await streamTarget(SCRIPTED_SERVER));
    if (baselineEntry) targets.push(await streamTarget(baselineEntry));
    for (let r = 0; r < STREAM_RUNS; r++) {
      // Alternate which gateway goes first, so drift in the machine's load favours neither.
      for (const target of r % 2 === 0 ? targets : [...targets].reverse()) await streamOnce(target);
    }
  } finally {
    for (const target of targets) {
      await target.client.close();
      await target.server.stop();
    }
  }
  const [ours, theirs] = targets as [StreamTarget, StreamTarget | undefined];

  console.log('\n== gateway on a zero-work engine ==');
  const ratio = wsTurn / httpTurn;
  console.log(`per-turn: WebSocket ${fmt(wsTurn, 3)} ms, HTTP on a new connection ${fmt(httpTurn, 3)} ms, ratio ${fmt(ratio, 3)} (goal <= 0.2: ${ratio <= 0.2 ? 'met' : 'MISSED'})`);
  const turnCpu = median(oursTurn.perTurn);
  console.log(`server CPU per trivial WebSocket turn (p50 of ${CPU_RUNS} x ${CPU_TURNS} turns): ${fmt(turnCpu, 1)} us (goal <= 150: ${turnCpu <= 150 ? 'met' : 'MISSED'})`);
  const p50 = median(ours.ws);
  console.log(`server CPU per streamed token (p50 of ${STREAM_RUNS} x ${STREAM_TOKENS} tokens): WebSocket ${fmt(p50, 2)} us (goal <= 10: ${p50 <= 10 ? 'met' : 'MISSED'}), SSE ${fmt(median(ours.sse), 2)} us`);
  if (theirsTurn) {
    const base = median(theirsTurn.perTurn);
    // Each round's two samples ran back to back: their ratio cancels most of the machine's drift.
    const paired = median(oursTurn.perTurn.map((ours, r) => ours / (theirsTurn.perTurn[r] ?? NaN)));
    console.log(`baseline ${baselineRoot}, same runs interleaved: ${fmt(base, 1)} us per trivial turn; ratio this checkout / baseline ${fmt(turnCpu / base, 3)} (p50 of per-round ratios ${fmt(paired, 3)})`);
  }
  if (theirs) {
    const ws = median(theirs.ws);
    const sse = median(theirs.sse);
    console.log(`baseline ${baselineRoot}, same runs interleaved: WebSocket ${fmt(ws, 2)} us, SSE ${fmt(sse, 2)} us per token`);
    console.log(`ratio this checkout / baseline: WebSocket ${fmt(p50 / ws, 3)}, SSE ${fmt(median(ours.sse) / sse, 3)} (below 1: this checkout spends less CPU per token)`);
  }
}

/** Starts a scripted gateway (`entry`) that streams `STREAM_TOKENS` per response, connected. */
async function streamTarget(entry: string): Promise<StreamTarget> {
  const server = await spawnServer([String(STREAM_TOKENS)], entry);
  try {
    return { server, client: await WsTimingClient.connect(server.url), ws: [], sse: [] };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Starts a scripted gateway (`entry`) that answers one token per response, connected. */
async function turnTarget(entry: string): Promise<TurnTarget> {
  const server = await spawnServer(['1'], entry);
  try {
    return { server, client: await WsTimingClient.connect(server.url), perTurn: [] };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** `CPU_TURNS` trivial turns back to back over the persistent WebSocket, with the server's CPU per turn. */
async function turnsOnce(target: TurnTarget): Promise<void> {
  const before = processCpuMicros(target.server.pid);
  for (let i = 0; i < CPU_TURNS; i++) await target.client.create(TRIVIAL_TURN);
  target.perTurn.push((processCpuMicros(target.server.pid) - before) / CPU_TURNS);
}

/** One response streamed over the persistent WebSocket, then one over SSE, with the server's CPU per token of each. */
async function streamOnce(target: StreamTarget): Promise<void> {
  const { server, client } = target;
  const before = processCpuMicros(server.pid);
  const turn = await client.create({ model: 'scripted', input: 'go', store: false });
  target.ws.push((processCpuMicros(server.pid) - before) / turn.usage.output_tokens);
  const sseBefore = processCpuMicros(server.pid);
  const tokens = await drainSse(server.url, { model: 'scripted', input: 'go', store: false, stream: true });
  target.sse.push((processCpuMicros(server.pid) - sseBefore) / tokens);
}

/** A non-streaming POST on a fresh TCP connection (no keep-alive agent), fully read. */
function postNewConnection(baseUrl: string, body: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(`${baseUrl}/v1/responses`, {
      method: 'POST', agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), connection: 'close' },
    }, (res) => {
      res.resume();
      res.once('end', () => resolve());
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(payload);
  });
}

/** Streams one response over SSE and returns its output token count. */
async function drainSse(baseUrl: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const match = /"output_tokens":(\d+)/.exec(text.slice(text.lastIndexOf('response.completed')));
  return Number(match?.[1] ?? NaN);
}
