import { Agent } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfSignedCert } from '@spark/server/testing';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { httpsSseTurn, type TimedTurn } from './https-sse-turn.js';
import {
  emptySamples, NETWORK_TRANSPORTS, networkTable, perTokenMicros, type NetworkTransport, type RttSamples, type TransportSamples,
} from './network-report.js';
import { processCpuMicros } from './process-cpu.js';
import { spawnServer } from './spawn-server.js';
import { WsTimingClient } from './ws-timing-client.js';

const SERVER = fileURLToPath(new URL('./network-scripted-server.js', import.meta.url));
/** Round trips measured, in ms (one-way = RTT / 2); 0 is loopback with no proxy. */
export const NETWORK_RTTS_MS: readonly number[] = [0, 20, 80];
const API_KEY = 'bench';

export interface NetworkBenchOptions {
  /** Fewer rounds and shorter streams (a smoke run). */
  quick: boolean;
}

/**
 * The seed's three WebSocket claims over a real network path: `spark serve` with TLS behind a
 * delay proxy at each RTT, on a zero-work engine. Per round, one turn on each transport
 * (interleaved, the order rotating): WebSocket on one persistent wss chaining
 * previous_response_id, HTTPS+SSE on a new connection per turn (TCP + TLS handshakes), HTTPS+SSE
 * keep-alive. A turn is one token; then one long stream per transport for the per-token cost.
 */
export async function benchNetwork(options: NetworkBenchOptions): Promise<void> {
  const turnRounds = options.quick ? 6 : 30;
  const streamRounds = options.quick ? 2 : 5;
  // /proc counts CPU in 10 ms ticks: 10,000 tokens put the per-token figure within 1 us.
  const streamTokens = options.quick ? 10_000 : 20_000;
  const dir = await mkdtemp(join(tmpdir(), 'spark-network-bench-'));
  const results: RttSamples[] = [];
  try {
    const cert = await selfSignedCert(dir, 'bench');
    const server = await spawnServer([cert.certPath, cert.keyPath], SERVER);
    try {
      const serverPort = Number(new URL(server.url).port);
      for (const rttMs of NETWORK_RTTS_MS) {
        const proxy: DelayProxy | undefined = rttMs === 0 ? undefined : await startDelayProxy(serverPort, rttMs / 2);
        const url = proxy === undefined ? server.url : `https://127.0.0.1:${proxy.port}`;
        const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: cert.cert });
        const ws = await WsTimingClient.connect(url, API_KEY, cert.cert);
        const byTransport = Object.fromEntries(NETWORK_TRANSPORTS.map((transport) => [transport, emptySamples()])) as Record<NetworkTransport, TransportSamples>;
        let previous: string | undefined;
        const turn = async (transport: NetworkTransport, tokens: number): Promise<TimedTurn> => {
          if (transport === 'ws') {
            const sent = performance.now();
            const done = await ws.create({ model: 'scripted', store: false, input: String(tokens), ...(previous === undefined ? {} : { previous_response_id: previous }) });
            previous = done.id;
            const deltaAt = done.events.filter((event) => event.event.type === 'response.output_text.delta').map((event) => event.at);
            return { ttftMs: done.ttftMs, turnMs: (done.events.at(-1)?.at ?? sent) - sent, deltaAt, outputTokens: done.usage.output_tokens };
          }
          return httpsSseTurn(url, { model: 'scripted', store: false, input: String(tokens) }, { ca: cert.cert, agent: transport === 'https-new' ? false : keepAlive, apiKey: API_KEY });
        };
        try {
          // Warm-up (JIT, the keep-alive socket, the chain), not counted.
          for (const transport of NETWORK_TRANSPORTS) await turn(transport, 1);
          for (let round = 0; round < turnRounds; round++) {
            for (const transport of rotate(NETWORK_TRANSPORTS, round)) {
              const timed = await turn(transport, 1);
              byTransport[transport].turnMs.push(timed.turnMs);
              byTransport[transport].ttftMs.push(timed.ttftMs);
            }
          }
          for (let round = 0; round < streamRounds; round++) {
            for (const transport of rotate(NETWORK_TRANSPORTS, round)) {
              const before = processCpuMicros(server.pid);
              const timed = await turn(transport, streamTokens);
              byTransport[transport].tokenCpuUs.push((processCpuMicros(server.pid) - before) / timed.outputTokens);
              byTransport[transport].tokenWallUs.push(perTokenMicros(timed.deltaAt));
            }
          }
        } finally {
          await ws.close();
          keepAlive.destroy();
          await proxy?.close();
        }
        results.push({ rttMs, byTransport });
      }
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\n== network path: spark serve over TLS behind a delay proxy, zero-work engine (${turnRounds} interleaved turns, ${streamRounds} x ${streamTokens}-token streams per transport and RTT; medians) ==`);
  console.log(networkTable(results));
  console.log('per turn: request sent -> response.completed of a one-token response; TTFT: -> first text delta; per token: a long stream, server CPU from /proc and client time between the first and last delta.');
  console.log('A new HTTPS connection costs TCP (1 RTT) + TLS 1.3 (1 RTT) + the request (1 RTT); the WebSocket turn costs the request alone, so its per-turn ratio is bounded below by about 1/3 at a large RTT.');
}

/** `list` rotated by `by` places, so no transport always goes first. */
function rotate<T>(list: readonly T[], by: number): T[] {
  const shift = by % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}
