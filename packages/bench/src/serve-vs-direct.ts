import { DirectLlama, type EngineSettings } from './direct-llama.js';
import { fillerPrompt } from './filler-prompt.js';
import { servedModelId } from './served-process.js';
import { spawnServer } from './spawn-server.js';
import { timedStream } from './sse-timing-client.js';
import { fmt, median } from './stats.js';

export interface ServeBenchOptions {
  modelAlias: string;
  modelPath: string;
  settings: EngineSettings;
  repeats: number;
  decodeTokens: number;
  promptSizes: readonly number[];
}

const DECODE_PROMPT = 'Write a long, detailed story about a programmer who builds a compiler. Use many paragraphs.';

interface Row { label: string; direct: number; server: number; unit: string; higherIsBetter: boolean }

/**
 * Issue 2's benchmark: cold TTFT and prefill tok/s at each prompt size and decode tok/s, for
 * node-llama-cpp called in-process and for `spark serve` over HTTP+SSE with the same settings, plus
 * the effect of longest-prefix reuse on a resent history.
 */
export async function benchServeVsDirect(options: ServeBenchOptions): Promise<void> {
  const { settings, repeats } = options;
  const prompts = new Map<number, string[]>();
  const rows: Row[] = [];

  // Both paths stay loaded and their runs alternate (in-process, server, in-process, ...), so
  // background load on the two cores hits both sides alike; only one of them runs at a time.
  const direct = await DirectLlama.load(options.modelPath, settings);
  const directTtft = new Map<number, number[]>();
  const directPrefill = new Map<number, number[]>();
  const directDecode: number[] = [];
  const serverTtft = new Map<number, number[]>();
  const serverPrefill = new Map<number, number[]>();
  const serverDecode: number[] = [];
  let reuse: Awaited<ReturnType<typeof measureReuse>> | undefined;
  try {
    const server = await spawnServer([
      '--model', options.modelPath, '--ctx', String(settings.contextSize), '--sequences', String(settings.sequences),
      '--threads', String(settings.threads), '--decode-threads', String(settings.decodeThreads),
    ]);
    try {
      const model = await servedModelId(server.url);
      await timedStream(server.url, { model, input: 'warm up', max_output_tokens: 2, temperature: 0 });
      for (const size of options.promptSizes) {
        const list: string[] = [];
        for (let r = 0; r < repeats * 2; r++) list.push(fillerPrompt(size, `${size}-${r}-${Math.random().toString(36).slice(2, 8)}`, (t) => direct.countTokens(t)));
        prompts.set(size, list);
        for (let r = 0; r < repeats; r++) {
          const local = await direct.run(direct.renderUserPrompt(list[r] ?? ''), 1);
          push(directTtft, size, local.ttftMs);
          push(directPrefill, size, (local.promptTokens * 1000) / local.ttftMs);
          const remote = await timedStream(server.url, { model, input: list[repeats + r], max_output_tokens: 1, temperature: 0, store: false });
          push(serverTtft, size, remote.ttftMs);
          push(serverPrefill, size, ((remote.inputTokens - remote.cachedTokens) * 1000) / remote.ttftMs);
        }
      }
      for (let r = 0; r < repeats; r++) {
        const local = await direct.run(direct.renderUserPrompt(DECODE_PROMPT), options.decodeTokens);
        directDecode.push(local.decodeTokensPerSecond);
        const remote = await timedStream(server.url, { model, input: DECODE_PROMPT, max_output_tokens: options.decodeTokens, temperature: 0, store: false });
        serverDecode.push(remote.decodeTokensPerSecond);
      }
      reuse = await measureReuse(server.url, model, prompts.get(Math.max(...options.promptSizes)) ?? [], repeats);
    } finally {
      await server.stop();
    }
  } finally {
    await direct.dispose();
  }

  for (const size of options.promptSizes) {
    rows.push({ label: `cold TTFT ${size} tok (ms)`, direct: median(directTtft.get(size) ?? []), server: median(serverTtft.get(size) ?? []), unit: 'ms', higherIsBetter: false });
    rows.push({ label: `prefill ${size} tok (tok/s)`, direct: median(directPrefill.get(size) ?? []), server: median(serverPrefill.get(size) ?? []), unit: 'tok/s', higherIsBetter: true });
  }
  rows.push({ label: `decode (tok/s, ${options.decodeTokens} tok)`, direct: median(directDecode), server: median(serverDecode), unit: 'tok/s', higherIsBetter: true });

  console.log(`\n== serve vs in-process (${options.modelAlias}; ctx ${settings.contextSize}, ${settings.sequences} sequences, ${settings.threads} threads; medians of ${repeats}) ==`);
  console.log(pad('metric', 30) + pad('in-process', 14) + pad('spark serve', 14) + 'server/in-process');
  for (const row of rows) console.log(pad(row.label, 30) + pad(fmt(row.direct), 14) + pad(fmt(row.server), 14) + fmt(row.server / row.direct, 3));
  const decodeRatio = median(serverDecode) / median(directDecode);
  console.log(`decode ratio server/in-process: ${fmt(decodeRatio, 3)} (goal >= 0.95: ${decodeRatio >= 0.95 ? 'met' : 'MISSED'})`);
  if (!reuse) return;
  const withReuse = median(reuse.withReuse);
  const without = median(reuse.without);
  console.log(`\n== longest-prefix reuse on a resent ~${Math.max(...options.promptSizes)}-token history ==`);
  console.log(`TTFT with reuse ${fmt(withReuse)} ms (cached ${fmt(median(reuse.cached), 0)} of ${fmt(median(reuse.input), 0)} input tokens), without ${fmt(without)} ms`);
  console.log(`TTFT with reuse / without: ${fmt(withReuse / without, 3)} (${fmt(without / withReuse, 1)}x faster)`);
}

/**
 * Turn 1 sends a long history; turn 2 resends it plus the answer and a follow-up (HTTP is stateless,
 * so only the server's prefix pool can save the prefill). The same turn 2 with a different first
 * line has nothing to reuse: that is the "without" figure.
 */
async function measureReuse(url: string, model: string, prompts: readonly string[], repeats: number): Promise<{ withReuse: number[]; without: number[]; cached: number[]; input: number[] }> {
  const out = { withReuse: [] as number[], without: [] as number[], cached: [] as number[], input: [] as number[] };
  for (let r = 0; r < repeats; r++) {
    const history = prompts[r] ?? '';
    const first = await timedStream(url, { model, input: history, max_output_tokens: 16, temperature: 0, store: false });
    const followUp = (prefix: string): Record<string, unknown> => ({
      model, max_output_tokens: 1, temperature: 0, store: false,
      input: [
        { role: 'user', content: prefix + history },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'Now explain it in one sentence.' },
      ],
    });
    const warm = await timedStream(url, followUp(''));
    out.withReuse.push(warm.ttftMs);
    out.cached.push(warm.cachedTokens);
    out.input.push(warm.inputTokens);
    const cold = await timedStream(url, followUp(`Cold ${r} ${Math.random().toString(36).slice(2, 8)}. `));
    out.without.push(cold.ttftMs);
  }
  return out;
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}
