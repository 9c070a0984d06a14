import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { fillerPrompt } from '../filler-prompt.js';
import { rssMb, servedModelId } from '../served-process.js';
import { spawnServer, type SpawnedServer } from '../spawn-server.js';
import { timedStream, type StreamTiming } from '../sse-timing-client.js';
import { fmt, median } from '../stats.js';
import { WsTimingClient } from '../ws-timing-client.js';
import { timedChatStream, type ChatMessage } from './chat-timing-client.js';
import { spawnLlamaServer } from './llama-server-process.js';
import { measureReadBandwidth } from './memory-bandwidth.js';
import { peerBinaries, type PeerBinaries } from './peer-binaries.js';

export interface PeerBenchOptions {
  readonly modelPath: string;
  readonly threadCounts: readonly number[];
  readonly repeats: number;
  readonly decodeTokens: number;
  readonly streams: number;
  readonly streamTokens: number;
  readonly prefillTokens: number;
  readonly turns: number;
}

/** Context per sequence on both servers, and sequences (llama-server: slots sharing `-c streams * ctx`). */
const CONTEXT_PER_SEQUENCE = 4096;
const DECODE_PROMPT = 'Write a long, detailed story about a lighthouse keeper who repairs old clocks. Use many paragraphs.';
const TURN_OUTPUT_TOKENS = 32;

interface Pair { spark: number[]; peer: number[] }
interface Row { label: string; unit: string; spark: number; peer: number; goal?: { ratio: number; atMost: boolean } }

/**
 * Spark against llama.cpp's own server, built from the same llama.cpp release, on the same model,
 * threads and prompts: both servers stay up and their requests alternate, so background load
 * hits both alike. Ratios are Spark / llama-server, with the engine issue's goals.
 */
export async function benchPeer(options: PeerBenchOptions): Promise<void> {
  const log = (line: string): void => { console.log(line); };
  const binaries = await peerBinaries(log);
  const modelBytes = statSync(options.modelPath).size;
  const rows: Row[] = [];
  const bandwidth = new Map<number, number>();
  const bench = new Map<number, { decode: number; prefill: number }>();
  for (const threads of options.threadCounts) {
    bandwidth.set(threads, await measureReadBandwidth(threads));
    bench.set(threads, await llamaBench(binaries, options.modelPath, threads, options.prefillTokens));
  }

  const maxThreads = Math.max(...options.threadCounts);
  for (const threads of options.threadCounts) {
    const pair = await startPair(binaries, options, threads);
    try {
      if (threads === maxThreads) rows.push({ label: 'idle resident memory, model loaded', unit: 'MB', spark: pair.sparkRss, peer: pair.peerRss, goal: { ratio: 1.1, atMost: true } });
      const decode = await alternate(options.repeats, () => sparkDecode(pair.spark, options.decodeTokens), () => peerDecode(pair.peer, options.decodeTokens));
      rows.push({ label: `decode ${options.decodeTokens} tokens, ${threads} thread(s)`, unit: 'tok/s', ...medians(decode, (t) => t.decodeTokensPerSecond), goal: { ratio: 1, atMost: false } });
      const prefill = await alternate(options.repeats, (round) => sparkOnce(pair.spark, coldPrompt(options.prefillTokens, `s${threads}-${round}`)), (round) => peerOnce(pair.peer, coldPrompt(options.prefillTokens, `p${threads}-${round}`)));
      rows.push({ label: `cold prefill ~${options.prefillTokens} tokens, ${threads} thread(s)`, unit: 'tok/s', ...medians(prefill, (t) => ((t.inputTokens - t.cachedTokens) * 1000) / t.ttftMs), goal: { ratio: 1, atMost: false } });
      if (threads !== maxThreads) continue;
      const streams: Pair = { spark: [], peer: [] };
      for (let round = 0; round < options.repeats; round++) {
        streams.spark.push(await concurrent(options.streams, (i) => sparkDecode(pair.spark, options.streamTokens, `Stream ${round}-${i}. `)));
        streams.peer.push(await concurrent(options.streams, (i) => peerDecode(pair.peer, options.streamTokens, `Stream ${round}-${i}. `)));
      }
      rows.push({ label: `${options.streams} streams x ${options.streamTokens} tokens, total, ${threads} thread(s)`, unit: 'tok/s', spark: median(streams.spark), peer: median(streams.peer), goal: { ratio: 1, atMost: false } });
      const chain: Pair = { spark: [], peer: [] };
      for (let round = 0; round < options.repeats; round++) {
        chain.spark.push(await sparkChain(pair.spark, options.turns, `s${round}`));
        chain.peer.push(await peerChain(pair.peer, options.turns, `p${round}`));
      }
      rows.push({ label: `turn-${options.turns} time to first token, warm chain`, unit: 'ms', spark: median(chain.spark), peer: median(chain.peer), goal: { ratio: 0.7, atMost: true } });
    } finally {
      await pair.stop();
    }
  }

  console.log(`\n== peer: Spark vs llama-server ${binaries.release} (same release, built here), ${cpus()[0]?.model ?? ''} x${cpus().length}, medians of ${options.repeats} alternating rounds ==`);
  console.log(['', 'llama-server', 'Spark', 'ratio', 'goal'].map((h, i) => i === 0 ? h.padEnd(52) : h.padEnd(14)).join(''));
  for (const row of rows) {
    const ratio = row.spark / row.peer;
    const goal = row.goal ? `${row.goal.atMost ? '<=' : '>='} ${row.goal.ratio} ${(row.goal.atMost ? ratio <= row.goal.ratio : ratio >= row.goal.ratio) ? 'met' : 'MISSED'}` : '';
    console.log([`${row.label} (${row.unit})`.padEnd(52), fmt(row.peer).padEnd(14), fmt(row.spark).padEnd(14), `${fmt(ratio, 2)}x`.padEnd(14), goal].join(''));
  }
  console.log(`\nshare of the memory-read ceiling while decoding (weights ${fmt(modelBytes / 1e6, 0)} MB read per token):`);
  for (const threads of options.threadCounts) {
    const ceiling = bandwidth.get(threads) ?? NaN;
    const share = (tokensPerSecond: number): string => `${fmt((100 * modelBytes * tokensPerSecond) / ceiling, 0)}%`;
    const decodeRow = rows.find((row) => row.label.startsWith(`decode ${options.decodeTokens} tokens, ${threads} `));
    const llamaBenchRun = bench.get(threads);
    console.log(`  ${threads} thread(s): read ${fmt(ceiling / 1e9)} GB/s; llama-bench ${fmt(llamaBenchRun?.decode ?? NaN)} tok/s (${share(llamaBenchRun?.decode ?? NaN)}), `
      + `llama-server ${share(decodeRow?.peer ?? NaN)}, Spark ${share(decodeRow?.spark ?? NaN)}; llama-bench prefill ${fmt(llamaBenchRun?.prefill ?? NaN)} tok/s`);
  }
}

interface ServerPair { spark: Served; peer: Served; sparkRss: number; peerRss: number; stop(): Promise<void> }
interface Served { server: SpawnedServer; model: string }

async function startPair(binaries: PeerBinaries, options: PeerBenchOptions, threads: number): Promise<ServerPair> {
  // Spark's own defaults for the decode thread split: what a user gets from `--threads`.
  const spark = await spawnServer(['--model', options.modelPath, '--ctx', String(CONTEXT_PER_SEQUENCE), '--sequences', String(options.streams), '--threads', String(threads), '--no-speculation']);
  let peer: SpawnedServer | undefined;
  try {
    peer = await spawnLlamaServer(binaries.server, binaries.dir, [
      '-m', options.modelPath, '-t', String(threads), '-tb', String(threads), '-c', String(CONTEXT_PER_SEQUENCE * options.streams),
      '-np', String(options.streams), '-fa', 'on', '--no-webui',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sparkRss = rssMb(spark.pid);
    const peerRss = rssMb(peer.pid);
    const sparkModel = await servedModelId(spark.url);
    const served = { spark: { server: spark, model: sparkModel }, peer: { server: peer, model: '' } };
    await sparkDecode(served.spark, 4);
    await peerDecode(served.peer, 4);
    const started = peer;
    return { ...served, sparkRss, peerRss, stop: async () => { await spark.stop(); await started.stop(); } };
  } catch (error) {
    await spark.stop();
    await peer?.stop();
    throw error;
  }
}

function sparkDecode(served: Served, tokens: number, prefix = ''): Promise<StreamTiming> {
  return timedStream(served.server.url, { model: served.model, input: `${prefix}${DECODE_PROMPT}`, max_output_tokens: tokens, temperature: 0, store: false });
}

function peerDecode(served: Served, tokens: number, prefix = ''): Promise<StreamTiming> {
  return timedChatStream(served.server.url, [{ role: 'user', content: `${prefix}${DECODE_PROMPT}` }], tokens);
}

function sparkOnce(served: Served, prompt: string): Promise<StreamTiming> {
  return timedStream(served.server.url, { model: served.model, input: prompt, max_output_tokens: 1, temperature: 0, store: false });
}

function peerOnce(served: Served, prompt: string): Promise<StreamTiming> {
  return timedChatStream(served.server.url, [{ role: 'user', content: prompt }], 1);
}

/** A prompt of about `tokens` tokens that no cache holds (its first words are unique). */
function coldPrompt(tokens: number, nonce: string): string {
  // About 3.3 characters per token for this code-like text on small-model tokenizers; the servers report the real count.
  return fillerPrompt(tokens, `${nonce}-${Math.random().toString(36).slice(2, 8)}`, (text) => Math.round(text.length / 3.3));
}

/** Spark's way: one WebSocket, each turn only its new message on `previous_response_id`. Returns the last turn's TTFT. */
async function sparkChain(served: Served, turns: number, nonce: string): Promise<number> {
  const client = await WsTimingClient.connect(served.server.url);
  try {
    let previous: string | undefined;
    let ttft = NaN;
    for (let turn = 0; turn < turns; turn++) {
      const result = await client.create({
        model: served.model, input: [{ role: 'user', content: turnMessage(turn, nonce) }], max_output_tokens: TURN_OUTPUT_TOKENS, temperature: 0, store: false,
        ...(previous ? { previous_response_id: previous } : {}),
      });
      previous = result.id;
      ttft = result.ttftMs;
    }
    return ttft;
  } finally {
    await client.close();
  }
}

/** llama-server's way: the whole history every turn, its slot's prompt cache finding the shared prefix. */
async function peerChain(served: Served, turns: number, nonce: string): Promise<number> {
  const messages: ChatMessage[] = [];
  let ttft = NaN;
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: 'user', content: turnMessage(turn, nonce) });
    const result = await timedChatStream(served.server.url, messages, TURN_OUTPUT_TOKENS);
    messages.push({ role: 'assistant', content: result.text });
    ttft = result.ttftMs;
  }
  return ttft;
}

/** The first turn brings ~800 tokens of code; each later one a question about it. */
function turnMessage(turn: number, nonce: string): string {
  if (turn === 0) return fillerPrompt(800, nonce, (text) => Math.round(text.length / 3.3));
  return `Question ${turn}: what does the function on line ${turn * 3} return for the value ${turn * 11}? Answer briefly, then name one way to simplify it.`;
}

async function alternate(repeats: number, spark: (round: number) => Promise<StreamTiming>, peer: (round: number) => Promise<StreamTiming>): Promise<{ spark: StreamTiming[]; peer: StreamTiming[] }> {
  const result = { spark: [] as StreamTiming[], peer: [] as StreamTiming[] };
  for (let round = 0; round < repeats; round++) {
    // Who goes first alternates too: a slow first request after idling hits both alike.
    if (round % 2 === 0) { result.spark.push(await spark(round)); result.peer.push(await peer(round)); }
    else { result.peer.push(await peer(round)); result.spark.push(await spark(round)); }
  }
  return result;
}

function medians(runs: { spark: StreamTiming[]; peer: StreamTiming[] }, value: (timing: StreamTiming) => number): { spark: number; peer: number } {
  return { spark: median(runs.spark.map(value)), peer: median(runs.peer.map(value)) };
}

/** Total output tokens per second of `count` requests started together. */
async function concurrent(count: number, run: (index: number) => Promise<StreamTiming>): Promise<number> {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: count }, (_, index) => run(index)));
  const tokens = results.reduce((sum, result) => sum + result.outputTokens, 0);
  return (tokens * 1000) / (performance.now() - started);
}

/** `llama-bench` on the same model and threads: the kernels alone, the ceiling both servers approach. */
async function llamaBench(binaries: PeerBinaries, modelPath: string, threads: number, prefillTokens: number): Promise<{ decode: number; prefill: number }> {
  const { stdout } = await promisify(execFile)(binaries.bench, ['-m', modelPath, '-t', String(threads), '-fa', '1', '-p', String(prefillTokens), '-n', '256', '-r', '3', '-o', 'json'], {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, LD_LIBRARY_PATH: [binaries.dir, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':') },
  });
  const runs = JSON.parse(stdout) as Array<{ n_prompt: number; n_gen: number; avg_ts: number }>;
  return {
    decode: runs.find((run) => run.n_gen > 0 && run.n_prompt === 0)?.avg_ts ?? NaN,
    prefill: runs.find((run) => run.n_prompt > 0 && run.n_gen === 0)?.avg_ts ?? NaN,
  };
}

