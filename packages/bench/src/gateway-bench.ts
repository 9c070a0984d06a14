import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { processCpuMicros } from './process-cpu.js';
import { spawnServer } from './spawn-server.js';
import { fmt, median } from './stats.js';
import { WsTimingClient } from './ws-timing-client.js';

const SCRIPTED_SERVER = fileURLToPath(new URL('./scripted-server.js', import.meta.url));
const OVERHEAD_TURNS = 200;
const STREAM_TOKENS = 20_000;
const STREAM_RUNS = 5;

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
        await client.create({ model: 'scripted', input: 'hi', store: false });
        wsTimes.push(performance.now() - started);
        const httpStarted = performance.now();
        await postNewConnection(small.url, { model: 'scripted', input: 'hi', store: false });
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

  const big = await spawnServer([String(STREAM_TOKENS)], SCRIPTED_SERVER);
  const perTokenWs: number[] = [];
  const perTokenSse: number[] = [];
  try {
    const client = await WsTimingClient.connect(big.url);
    try {
      for (let r = 0; r < STREAM_RUNS; r++) {
        const before = processCpuMicros(big.pid);
        const turn = await client.create({ model: 'scripted', input: 'go', store: false });
        perTokenWs.push((processCpuMicros(big.pid) - before) / turn.usage.output_tokens);
        const sseBefore = processCpuMicros(big.pid);
        const tokens = await drainSse(big.url, { model: 'scripted', input: 'go', store: false, stream: true });
        perTokenSse.push((processCpuMicros(big.pid) - sseBefore) / tokens);
      }
    } finally {
      await client.close();
    }
  } finally {
    await big.stop();
  }

  console.log('\n== gateway on a zero-work engine ==');
  const ratio = wsTurn / httpTurn;
  console.log(`per-turn: WebSocket ${fmt(wsTurn, 3)} ms, HTTP on a new connection ${fmt(httpTurn, 3)} ms, ratio ${fmt(ratio, 3)} (goal <= 0.2: ${ratio <= 0.2 ? 'met' : 'MISSED'})`);
  const p50 = median(perTokenWs);
  console.log(`server CPU per streamed token (p50 of ${STREAM_RUNS} x ${STREAM_TOKENS} tokens): WebSocket ${fmt(p50, 2)} us (goal <= 25: ${p50 <= 25 ? 'met' : 'MISSED'}), SSE ${fmt(median(perTokenSse), 2)} us`);
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
