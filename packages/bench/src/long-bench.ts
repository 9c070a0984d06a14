import { readFile } from 'node:fs/promises';
import { readGgufFileInfo } from 'node-llama-cpp';
import { spawnServer } from './spawn-server.js';
import { fmt } from './stats.js';
import { WsTimingClient, type WsTurn } from './ws-timing-client.js';

export interface LongBenchOptions {
  /** The Gemma 3 270M GGUF (a 32k trained window). */
  modelPath: string;
  threads: number;
  decodeThreads: number;
  /** History depths in tokens; the first is the baseline the warm-turn goal compares against. */
  depths: readonly number[];
  /** KV caches to serve with (one server each): element type, and full or window-sized sliding-window layers. */
  caches: readonly LongCache[];
}

export interface LongCache {
  kv: string;
  swa: 'full' | 'window';
}

/** `f16`, `q8_0/window`: a cache as the bench's option and its tables spell it. */
export function parseLongCache(spec: string): LongCache {
  const [kv = '', swa = 'full', ...rest] = spec.split('/');
  if (kv === '' || rest.length > 0 || (swa !== 'full' && swa !== 'window')) throw new Error(`a long-context cache is <kv type>[/full|/window], got '${spec}'`);
  return { kv, swa };
}

function cacheLabel(cache: LongCache): string {
  return cache.swa === 'window' ? `${cache.kv}/window` : cache.kv;
}

/** The window every server of this bench holds: Gemma 3 270M's whole trained one. */
const WINDOW = 32_768;
/** Output tokens the cold turn decodes (decode speed at depth). */
const DECODE_TOKENS = 64;
/** Goal: a warm turn at depth within this of the same turn at the first depth. */
const WARM_TTFT_GOAL = 1.5;
/** A first guess at Gemma 3 tokens per filler line; each cold turn's count corrects it. */
const TOKENS_PER_LINE_GUESS = 24;

interface DepthRecord {
  depth: number;
  inputTokens: number;
  coldMs: number;
  warmNewTokens: number;
  warmMs: number;
  decodeTokPerS: number;
}

/**
 * Issue 18's long-context view: for each KV cache type, one `spark serve` holding 1 x 32768
 * tokens; at each depth a cold turn (fresh history: prefill tok/s, then decode tok/s at that
 * depth) and a warm WebSocket turn adding ~200 tokens (TTFT), plus the server's resident memory.
 */
export async function benchLong(options: LongBenchOptions): Promise<void> {
  const shape = await readKvShape(options.modelPath);
  const kvPerToken = kvBytesPerToken(shape);
  const results: Array<{ kv: string; cache: LongCache; rssMb: number; records: DepthRecord[] }> = [];
  for (const cache of options.caches) {
    const kv = cacheLabel(cache);
    const server = await spawnServer([
      '--model', 'gemma3-270m', '--offline', '--ctx', String(WINDOW), '--sequences', '1', '--kv-cache-type', cache.kv, '--swa-cache', cache.swa,
      '--threads', String(options.threads), '--decode-threads', String(options.decodeThreads), '--no-speculation', '--no-app',
    ]);
    try {
      const rssMb = await residentMb(server.pid);
      const client = await WsTimingClient.connect(server.url);
      try {
        const model = 'gemma3-270m';
        const records: DepthRecord[] = [];
        let perLine = TOKENS_PER_LINE_GUESS;
        for (const [index, depth] of options.depths.entries()) {
          const lines = Math.floor(depth / perLine);
          const record = await measureDepth(client, model, depth, lines, `${kv}-${index}`);
          perLine = record.inputTokens / lines;
          records.push(record);
        }
        results.push({ kv, cache, rssMb, records });
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  }

  console.log(`\n== long: Gemma 3 270M, 1 x ${WINDOW} tokens, threads ${options.threads}/${options.decodeThreads} ==`);
  console.log(['kv', 'depth', 'input tok', 'cold ms', 'prefill tok/s', 'warm +tok', 'warm TTFT ms', 'x first', 'decode tok/s', 'KV held'].map((h) => h.padEnd(14)).join(''));
  for (const { kv, cache, records } of results) {
    const base = records[0]?.warmMs ?? NaN;
    for (const r of records) {
      const kvHeld = kvHeldBytes(shape, r.inputTokens, cache);
      console.log([kv, String(r.depth), String(r.inputTokens), fmt(r.coldMs, 0), fmt((r.inputTokens / r.coldMs) * 1000, 0), String(r.warmNewTokens), fmt(r.warmMs, 0), fmt(r.warmMs / base, 2), fmt(r.decodeTokPerS, 1), `${fmt(kvHeld / 1e6, 0)} MB`]
        .map((c) => c.padEnd(14)).join(''));
    }
  }
  for (const { kv, cache, rssMb } of results) {
    const held = cache.swa === 'window' ? 'the local layers hold their window' : `KV ${kv} estimated ${fmt(kvHeldBytes(shape, WINDOW, cache) / 1e6, 0)} MB of it`;
    console.log(`resident after load, ${kv}: ${fmt(rssMb, 0)} MB (1 sequence of ${WINDOW}; ${held})`);
  }
  for (const { kv, records } of results) {
    const base = records[0];
    const deepest = records.at(-1);
    if (base === undefined || deepest === undefined || base === deepest) continue;
    const ratio = deepest.warmMs / base.warmMs;
    console.log(`${kv}: warm TTFT at ${deepest.depth} / at ${base.depth}: ${fmt(ratio, 2)} (goal <= ${WARM_TTFT_GOAL}: ${ratio <= WARM_TTFT_GOAL ? 'met' : 'MISSED'}); `
      + `decode ${fmt(deepest.decodeTokPerS, 1)} vs ${fmt(base.decodeTokPerS, 1)} tok/s; cold prefill ${fmt((deepest.inputTokens / deepest.coldMs) * 1000, 0)} vs ${fmt((base.inputTokens / base.coldMs) * 1000, 0)} tok/s`);
  }
  console.log(`KV f16 per token per sequence: ${fmt(kvPerToken / 1024, 1)} KiB (each token attends over its sequence's history in the global layers, over the window in the local ones: linear in depth per token, quadratic per prefill)`);
}

async function measureDepth(client: WsTimingClient, model: string, depth: number, lines: number, nonce: string): Promise<DepthRecord> {
  const history = fillerLines(lines, nonce);
  const cold = await client.create({
    model, store: false, temperature: 0, max_output_tokens: DECODE_TOKENS,
    input: [{ role: 'user', content: `${history}\n\nList every function above that multiplies by 3, one name a line, with its body.` }],
  });
  expectOk(cold, depth);
  const warm = await client.create({
    model, store: false, temperature: 0, max_output_tokens: 8, previous_response_id: cold.id,
    input: [{ role: 'user', content: `Here are more:\n${fillerLines(8, `${nonce}-more`)}\nWhich of these adds 5?` }],
  });
  expectOk(warm, depth);
  return {
    depth,
    inputTokens: cold.usage.input_tokens,
    coldMs: cold.ttftMs,
    warmNewTokens: warm.usage.input_tokens - warm.usage.input_tokens_details.cached_tokens,
    warmMs: warm.ttftMs,
    decodeTokPerS: decodeRate(cold),
  };
}

function expectOk(turn: WsTurn, depth: number): void {
  if (turn.terminal === 'response.failed') throw new Error(`turn at depth ${depth} failed: ${JSON.stringify(turn.events.at(-1)?.event).slice(0, 400)}`);
}

/** Tokens per second between the first and last text delta (the first token is prefill's). */
function decodeRate(turn: WsTurn): number {
  const deltas = turn.events.filter((timed) => timed.event.type === 'response.output_text.delta');
  const first = deltas[0];
  const last = deltas.at(-1);
  if (first === undefined || last === undefined || turn.usage.output_tokens < 8) return NaN;
  return ((turn.usage.output_tokens - 1) / (last.at - first.at)) * 1000;
}

function fillerLines(lines: number, nonce: string): string {
  const out = [`// session ${nonce}`];
  for (let i = 0; i < lines; i++) out.push(`function f${i}(value: number): number { return value * ${i % 17} + ${(i * 7) % 31}; }`);
  return out.join('\n');
}

/** The model's KV shape: f16 bytes per token per layer, layers, and how many of them attend only over a sliding window. */
interface KvShape {
  bytesPerLayerToken: number;
  layers: number;
  /** Sliding-window (local) layers; 0 for a model without one. */
  localLayers: number;
  /** The local layers' window in tokens (Infinity without one). */
  window: number;
}

/** Gemma 3 puts one global-attention layer after every five sliding-window ones (llama.cpp's `set_swa_pattern(6)` for gemma3). */
const GEMMA3_SWA_PATTERN = 6;

/** The KV shape from the GGUF's attention fields. */
async function readKvShape(modelPath: string): Promise<KvShape> {
  const info = await readGgufFileInfo(modelPath, { readTensorInfo: false });
  const arch = info.metadata.general.architecture;
  const fields = (info.metadata as unknown as Record<string, Record<string, unknown>>)[arch] ?? {};
  const attention = (fields['attention'] ?? {}) as Record<string, unknown>;
  const layers = Number(fields['block_count']);
  const kvHeads = Number(attention['head_count_kv']);
  const keyLength = Number(attention['key_length']);
  const valueLength = Number(attention['value_length']);
  const slidingWindow = Number(attention['sliding_window']);
  const windowed = String(arch) === 'gemma3' && Number.isFinite(slidingWindow) && slidingWindow > 0;
  return {
    bytesPerLayerToken: kvHeads * (keyLength + valueLength) * 2,
    layers,
    localLayers: windowed ? layers - Math.floor(layers / GEMMA3_SWA_PATTERN) : 0,
    window: windowed ? slidingWindow : Infinity,
  };
}

/** f16 K+V bytes of all layers for one token. */
function kvBytesPerToken(shape: KvShape): number {
  return shape.layers * shape.bytesPerLayerToken;
}

/**
 * KV bytes a sequence holds at this depth: every layer's cells with a full cache; with
 * window-sized caches the local layers hold only their window. (A full cache's decode does not
 * read all of it: llama.cpp's CPU flash attention skips masked cells.)
 */
function kvHeldBytes(shape: KvShape, depth: number, cache: LongCache): number {
  const scale = cache.kv === 'q8_0' ? 34 / 64 : cache.kv === 'q4_0' ? 18 / 64 : 1;
  const local = cache.swa === 'window' ? shape.localLayers : 0;
  return ((shape.layers - local) * depth + local * Math.min(depth, shape.window)) * shape.bytesPerLayerToken * scale;
}

async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb === undefined ? NaN : Number(kb) / 1024;
}
