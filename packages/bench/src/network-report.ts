import { fmt, median } from './stats.js';

/** The three ways a client reaches `spark serve` in the network bench. */
export const NETWORK_TRANSPORTS = ['ws', 'https-new', 'https-keepalive'] as const;
export type NetworkTransport = (typeof NETWORK_TRANSPORTS)[number];

export const TRANSPORT_LABELS: Readonly<Record<NetworkTransport, string>> = {
  ws: 'WebSocket (one wss, previous_response_id)',
  'https-new': 'HTTPS+SSE, new connection per turn',
  'https-keepalive': 'HTTPS+SSE, keep-alive',
};

/** The seed's claims, as ratios WebSocket / new-connection HTTPS (issue 18). */
export const NETWORK_GOALS = { turn: 0.2, ttft: 0.5, token: 0.7 } as const;
/** Round trips at which the goals are judged. */
export const GOAL_RTTS_MS: readonly number[] = [20, 80];

/** Every sample of one transport at one RTT. */
export interface TransportSamples {
  turnMs: number[];
  ttftMs: number[];
  /** Client-observed time per streamed token (first to last delta), microseconds. */
  tokenWallUs: number[];
  /** Server CPU per streamed token, microseconds. */
  tokenCpuUs: number[];
}

export interface RttSamples {
  rttMs: number;
  byTransport: Record<NetworkTransport, TransportSamples>;
}

export interface TransportSummary {
  turnMs: number;
  ttftMs: number;
  tokenWallUs: number;
  tokenCpuUs: number;
}

export function emptySamples(): TransportSamples {
  return { turnMs: [], ttftMs: [], tokenWallUs: [], tokenCpuUs: [] };
}

/** Medians of each figure (bench runs are noisy). */
export function summarize(samples: TransportSamples): TransportSummary {
  return { turnMs: median(samples.turnMs), ttftMs: median(samples.ttftMs), tokenWallUs: median(samples.tokenWallUs), tokenCpuUs: median(samples.tokenCpuUs) };
}

/** Client time per token between the first and the last of `deltaAt`, in microseconds; NaN under two deltas. */
export function perTokenMicros(deltaAt: readonly number[]): number {
  const first = deltaAt[0];
  const last = deltaAt.at(-1);
  if (first === undefined || last === undefined || deltaAt.length < 2) return Number.NaN;
  return ((last - first) * 1000) / (deltaAt.length - 1);
}

/** `value / base`, formatted, with the goal verdict when a goal applies. */
export function ratioCell(value: number, base: number, goal?: number): string {
  const ratio = value / base;
  if (!Number.isFinite(ratio)) return 'n/a';
  return goal === undefined ? `${fmt(ratio, 2)}x` : `${fmt(ratio, 2)}x (${ratio <= goal ? 'met' : 'MISSED'})`;
}

/**
 * The headline table (markdown): per RTT and transport, the medians, then each figure as a ratio
 * to new-connection HTTPS at that RTT; the WebSocket row at a goal RTT carries the verdicts.
 */
export function networkTable(results: readonly RttSamples[]): string {
  const lines = [
    '| RTT | transport | per turn (ms) | TTFT (ms) | per token, client (us) | per token, server CPU (us) | turn vs new conn | TTFT vs new conn | server CPU/token vs new conn |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { rttMs, byTransport } of results) {
    const base = summarize(byTransport['https-new']);
    for (const transport of NETWORK_TRANSPORTS) {
      const row = summarize(byTransport[transport]);
      const judged = transport === 'ws' && GOAL_RTTS_MS.includes(rttMs);
      lines.push(`| ${rttMs} ms | ${TRANSPORT_LABELS[transport]} | ${fmt(row.turnMs, 2)} | ${fmt(row.ttftMs, 2)} | ${fmt(row.tokenWallUs, 1)} | ${fmt(row.tokenCpuUs, 1)} | `
        + `${ratioCell(row.turnMs, base.turnMs, judged ? NETWORK_GOALS.turn : undefined)} | ${ratioCell(row.ttftMs, base.ttftMs, judged ? NETWORK_GOALS.ttft : undefined)} | `
        + `${ratioCell(row.tokenCpuUs, base.tokenCpuUs, judged ? NETWORK_GOALS.token : undefined)} |`);
    }
  }
  return lines.join('\n');
}
