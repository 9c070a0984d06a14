import type { ConversationItem, GenerateRequest } from '@spark/engine';
import { DEFAULT_SPECULATION_TOLERANCE, LlamaEngine, MAX_VERIFY_BATCH_TOKENS, type LlamaFinishEvent, type SpeculationTimings } from '@spark/engine-llama';
import { CHAT_PROMPTS, editMessage, editPrompts, type EditPrompt } from './edit-prompts.js';
import { explainMismatch } from './explain-mismatch.js';
import { fmt, median } from './stats.js';
import { bestCeiling, costRow, measureVerificationCosts, VERIFY_BATCH_SIZES, type VerificationCosts } from './verification-cost.js';

export interface EditsBenchOptions {
  modelId: string;
  modelPath: string;
  threads: number;
  decodeThreads: number;
  verifyThreads: number;
  prompts: number;
  chatPrompts: number;
  maxOutputTokens: number;
  repeats: number;
}

const MODEL = 'bench';
type Mode = 'plain' | 'lookup' | 'prediction' | 'exact' | 'fast';
const MODES: readonly Mode[] = ['plain', 'lookup', 'prediction', 'exact', 'fast'];
const LABEL: Record<Mode, string> = { plain: 'plain greedy', lookup: 'prompt lookup', prediction: 'lookup + prediction', exact: '... bit-exact', fast: '... any batch' };

interface RunResult { text: string; decodeTokens: number; decodeMs: number; outputTokens: number; speculation?: SpeculationTimings; accepted: number; rejected: number }

/**
 * Issue 6's benchmark: rewrite-style prompts run three ways in one process (plain greedy on an
 * engine without speculation; prompt lookup and lookup + prediction on one with it), runs of a
 * prompt back to back so background load hits all three; ordinary chat with speculation on and
 * off; and the measured cost of a verification step of k tokens with the ceiling it implies.
 * Both engines prefill every prompt cold and the same way, so speculation is the only difference.
 */
export async function benchEdits(options: EditsBenchOptions): Promise<void> {
  const prompts = editPrompts(options.prompts);
  const depth = Math.round(median(prompts.map((prompt) => prompt.file.length / 3.2)));
  const costs = await measureVerificationCosts({
    modelPath: options.modelPath, prompt: prompts.map((prompt) => prompt.file).join('\n'), depth,
    threadCounts: [...new Set([options.decodeThreads, options.threads])], decodeThreads: options.decodeThreads, repeats: Math.max(3, options.repeats * 3),
  });

  const common = { models: [{ id: MODEL, path: options.modelPath }], contextSize: 8192, sequences: 1, threads: options.threads, decodeThreads: options.decodeThreads, prefixReuse: false };
  const plain = await LlamaEngine.create({ ...common, speculation: false });
  // The default: batches within DEFAULT_SPECULATION_TOLERANCE of one-token steps.
  const tolerant = await LlamaEngine.create({ ...common, speculation: true, verifyThreads: options.verifyThreads });
  // Bit-exact batches only, and any batch up to the cap: what each guarantee costs or buys.
  const exact = await LlamaEngine.create({ ...common, speculation: true, verifyThreads: options.verifyThreads, speculationTolerance: 0 });
  const fast = await LlamaEngine.create({ ...common, speculation: true, verifyThreads: options.verifyThreads, speculationTolerance: Infinity });
  const limits: Record<Exclude<Mode, 'plain'>, number> = {
    lookup: tolerant.verifyBatchLimit(MODEL) ?? MAX_VERIFY_BATCH_TOKENS, prediction: tolerant.verifyBatchLimit(MODEL) ?? MAX_VERIFY_BATCH_TOKENS,
    exact: exact.verifyBatchLimit(MODEL) ?? MAX_VERIFY_BATCH_TOKENS, fast: MAX_VERIFY_BATCH_TOKENS,
  };
  // A variant with the default's batch limit would repeat the default's run: it is not run again.
  const same = (mode: 'exact' | 'fast'): boolean => limits[mode] === limits.prediction;
  /** A variant not run (nor printed, nor explained) because it would repeat the default's run. */
  const skipped = (mode: Mode): boolean => (mode === 'exact' || mode === 'fast') && same(mode);
  const results = new Map<Mode, RunResult[]>(MODES.map((mode) => [mode, []]));
  const mismatches: string[] = [];
  const chat = { off: [] as RunResult[], on: [] as RunResult[] };
  let chatMatches = 0;
  try {
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      for (const prompt of prompts) {
        const conversation: ConversationItem[] = [{ type: 'user', text: editMessage(prompt) }];
        const base = await run(plain, conversation, options.maxOutputTokens);
        const lookup = await run(tolerant, conversation, options.maxOutputTokens);
        const predicted = await run(tolerant, conversation, options.maxOutputTokens, prompt.expected);
        const bitExact = same('exact') ? predicted : await run(exact, conversation, options.maxOutputTokens, prompt.expected);
        const anyBatch = same('fast') ? predicted : await run(fast, conversation, options.maxOutputTokens, prompt.expected);
        results.get('plain')?.push(base);
        results.get('lookup')?.push(lookup);
        results.get('prediction')?.push(predicted);
        results.get('exact')?.push(bitExact);
        results.get('fast')?.push(anyBatch);
        if (repeat === 0) {
          for (const [mode, other] of [['lookup', lookup], ['prediction', predicted], ['exact', bitExact], ['fast', anyBatch]] as const) {
            if (skipped(mode)) continue;
            if (other.text !== base.text) mismatches.push(describeMismatch(prompt, mode, base.text, other.text, await explain(plain, conversation, base.text, other.text)));
          }
        }
      }
    }
    for (const text of CHAT_PROMPTS.slice(0, options.chatPrompts)) {
      const conversation: ConversationItem[] = [{ type: 'user', text }];
      for (let repeat = 0; repeat < options.repeats; repeat += 1) {
        const off = await run(plain, conversation, 128);
        const on = await run(tolerant, conversation, 128);
        chat.off.push(off);
        chat.on.push(on);
        if (repeat === 0 && off.text === on.text) chatMatches += 1;
      }
    }
  } finally {
    await plain.dispose();
    await tolerant.dispose();
    await exact.dispose();
    await fast.dispose();
  }

  const lines = prompts.map((prompt) => prompt.lines);
  console.log(`\n== speculative edits (${options.modelId}; ${prompts.length} rewrite prompts of ${Math.min(...lines)}-${Math.max(...lines)} lines in ${new Set(prompts.map((p) => p.language)).size} languages; `
    + `first ${options.maxOutputTokens} output tokens; threads ${options.threads}, decode ${options.decodeThreads}, verify ${options.verifyThreads}; ${options.repeats} run(s) each) ==`);
  printCosts(costs, options);
  console.log(`verification batch limits measured at load: ${limits.prediction} tokens within ${DEFAULT_SPECULATION_TOLERANCE} probability of one-token steps (the default), `
    + `${limits.exact} bit-exact; "any batch" allows ${MAX_VERIFY_BATCH_TOKENS}${same('exact') || same('fast') ? ` (${[same('exact') ? 'bit-exact' : '', same('fast') ? 'any batch' : ''].filter(Boolean).join(' and ')} = the default's limit, so its run is the default's)` : ''}`);
  const plainSpeed = throughput(results.get('plain') ?? []);
  console.log(pad('mode', 22) + pad('tok/s', 9) + pad('speedup', 9) + pad('median', 8) + pad('accept', 8) + pad('tok/step', 10) + pad('steps', 7) + pad('match plain', 12) + 'prediction tokens acc/rej');
  const ceiling = bestCeiling(costs, options.verifyThreads);
  for (const mode of MODES) {
    if (skipped(mode)) continue;
    const list = results.get(mode) ?? [];
    const speed = throughput(list);
    const spec = sumSpeculation(list);
    const perPrompt = list.map((result, index) => speedOf(result) / speedOf(results.get('plain')?.[index]));
    const matched = mode === 'plain' ? '-' : `${prompts.length - mismatches.filter((line) => line.includes(`(${mode})`)).length}/${prompts.length}`;
    console.log(pad(LABEL[mode], 22) + pad(fmt(speed), 9) + pad(`${fmt(speed / plainSpeed, 2)}x`, 9) + pad(`${fmt(median(perPrompt), 2)}x`, 8)
      + pad(spec.steps > 0 ? `${fmt((100 * spec.acceptedTokens) / spec.draftedTokens, 0)}%` : '-', 8)
      + pad(spec.steps > 0 ? fmt(spec.acceptedTokens / spec.steps, 1) : '-', 10) + pad(String(spec.steps), 7) + pad(matched, 12)
      + (mode === 'plain' || mode === 'lookup' ? '-' : `${sum(list, (r) => r.accepted)}/${sum(list, (r) => r.rejected)}`));
  }
  const best = throughput(results.get('prediction') ?? []) / plainSpeed;
  console.log(`speedup with prediction ${fmt(best, 2)}x = ${fmt((100 * best) / ceiling.speedup, 0)}% of the measured ceiling ${fmt(ceiling.speedup, 2)}x (k=${ceiling.k}, verify threads ${options.verifyThreads}) `
    + `(goals: >= 80% of ceiling: ${best >= 0.8 * ceiling.speedup ? 'met' : 'MISSED'}; >= 2x: ${best >= 2 ? 'met' : 'MISSED'})`);
  for (const mode of ['lookup', 'prediction', 'exact', 'fast'] as const) {
    if (skipped(mode)) continue;
    const list = results.get(mode) ?? [];
    const bound = oracleBound(list, costs, options.verifyThreads, limits[mode]);
    const spec = sumSpeculation(list);
    const speed = throughput(list) / plainSpeed;
    console.log(`${LABEL[mode]}: ${fmt((100 * spec.draftableTokens) / sum(list, (r) => r.outputTokens), 0)}% of output tokens were draftable, in ${spec.draftableRuns} runs `
      + `(mean ${fmt(spec.draftableTokens / Math.max(1, spec.draftableRuns), 1)}); verifying each run in as few batches as the ${bound.limit}-token limit allows `
      + `(at the measured batch costs) and the rest plainly would give ${fmt(bound.speedup, 2)}x: reached ${fmt((100 * speed) / bound.speedup, 0)}% of that`);
  }
  for (const line of mismatches) console.log(`mismatch: ${line}`);

  const on = throughput(chat.on);
  const off = throughput(chat.off);
  const chatSpec = sumSpeculation(chat.on);
  console.log(`chat (${chat.off.length} runs of ${options.chatPrompts} prompts, 128 tokens): speculation off ${fmt(off)} tok/s, on ${fmt(on)} tok/s, ratio ${fmt(on / off, 3)} `
    + `(goal >= 0.97: ${on / off >= 0.97 ? 'met' : 'MISSED'}); ${chatSpec.steps} verification steps; outputs equal ${chatMatches}/${options.chatPrompts}`);
}

/** A greedy text request on the bench's model. */
function greedyRequest(conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: MODEL, conversation, tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: false, outputFormat: { type: 'text' },
    sampling: { temperature: 0 }, signal: new AbortController().signal, ...extra,
  };
}

async function run(engine: LlamaEngine, conversation: ConversationItem[], maxOutputTokens: number, prediction?: string): Promise<RunResult> {
  const request = greedyRequest(conversation, { maxOutputTokens, ...(prediction === undefined ? {} : { prediction }) });
  let text = '';
  let finish: LlamaFinishEvent | undefined;
  for await (const event of engine.generate(request)) {
    if (event.type === 'text-delta') text += event.delta;
    if (event.type === 'finish') finish = event;
  }
  if (!finish) throw new Error('the generation did not finish');
  return {
    text,
    decodeTokens: finish.timings.decodeTokens,
    decodeMs: finish.timings.decodeMs,
    outputTokens: finish.usage.outputTokens,
    ...(finish.metadata?.llama.speculation ? { speculation: finish.metadata.llama.speculation } : {}),
    accepted: finish.usage.acceptedPredictionTokens ?? 0,
    rejected: finish.usage.rejectedPredictionTokens ?? 0,
  };
}

function printCosts(costs: VerificationCosts, options: EditsBenchOptions): void {
  console.log(`verification step cost at context depth ${costs.depth} (one plain decode step: ${fmt(costs.plainMs)} ms at ${options.decodeThreads} thread(s)):`);
  for (const [threads, row] of costs.batches) {
    const cells = VERIFY_BATCH_SIZES.map((k) => `k=${k} ${fmt(row.get(k) ?? NaN)} ms (${fmt((k * costs.plainMs) / (row.get(k) ?? NaN), 2)}x)`);
    console.log(`  ${threads} thread(s): ${cells.join(', ')}`);
  }
  console.log('  (a batch of k tokens with every draft accepted yields k tokens: the ceiling is k * plain / batch(k))');
}



/**
 * What a perfect draft-length policy would reach with the same draft sources on the same outputs:
 * each run of draftable tokens verified in as few batches of at most `limit` tokens as it takes
 * (a batch of s tokens, the pending one plus s - 1 drafts, yields s tokens: a run of L and the
 * token after it need (L + 1) / limit batches, rounded up), every other token a plain step, at
 * the measured costs (a batch of n interpolated between the measured sizes). Tells the policy's
 * losses apart from the model's departures from its sources, which no policy can recover.
 */
function oracleBound(list: readonly RunResult[], costs: VerificationCosts, threads: number, limit: number): { speedup: number; limit: number } {
  const row = costRow(costs, threads);
  const batchMs = (n: number): number => interpolate([...row].sort(([a], [b]) => a - b), n);
  let tokens = 0;
  let ms = 0;
  for (const result of list) {
    const spec = result.speculation;
    const draftable = Math.min(spec?.draftableTokens ?? 0, result.decodeTokens);
    const runs = spec?.draftableRuns ?? 0;
    tokens += result.decodeTokens;
    if (runs > 0) {
      // Runs taken at their mean length: full batches, then one for the rest.
      const size = (draftable + runs) / runs;
      const full = Math.floor(size / Math.max(1, limit));
      const rest = size - full * limit;
      ms += runs * (full * batchMs(limit) + (rest > 0 ? batchMs(rest) : 0));
    }
    ms += Math.max(0, result.decodeTokens - draftable - runs) * costs.plainMs;
  }
  return { speedup: ms > 0 ? (tokens * costs.plainMs) / ms : NaN, limit };
}

/** Piecewise-linear interpolation through measured (n, ms) points (sorted by n), extended linearly past the last two. */
function interpolate(points: readonly (readonly [number, number])[], n: number): number {
  for (let index = 1; index < points.length; index += 1) {
    const [n0, ms0] = points[index - 1] ?? [0, 0];
    const [n1, ms1] = points[index] ?? [0, 0];
    if (n <= n1 || index === points.length - 1) return ms0 + ((ms1 - ms0) * (n - n0)) / Math.max(1e-9, n1 - n0);
  }
  return points[0]?.[1] ?? NaN;
}

function throughput(list: readonly RunResult[]): number {
  const ms = sum(list, (result) => result.decodeMs);
  return ms > 0 ? (sum(list, (result) => result.decodeTokens) * 1000) / ms : NaN;
}

function speedOf(result: RunResult | undefined): number {
  return result && result.decodeMs > 0 ? (result.decodeTokens * 1000) / result.decodeMs : NaN;
}

function sumSpeculation(list: readonly RunResult[]): SpeculationTimings {
  const total: SpeculationTimings = { steps: 0, draftedTokens: 0, acceptedTokens: 0, outputTokens: 0, verifyMs: 0, draftableTokens: 0, draftableRuns: 0 };
  for (const result of list) {
    const spec = result.speculation;
    if (!spec) continue;
    total.steps += spec.steps;
    total.draftedTokens += spec.draftedTokens;
    total.acceptedTokens += spec.acceptedTokens;
    total.outputTokens += spec.outputTokens;
    total.verifyMs += spec.verifyMs;
    total.draftableTokens += spec.draftableTokens;
    total.draftableRuns += spec.draftableRuns;
  }
  return total;
}

function describeMismatch(prompt: EditPrompt, mode: Mode, base: string, other: string, explanation: string): string {
  let at = 0;
  while (at < base.length && base[at] === other[at]) at += 1;
  const around = (text: string): string => JSON.stringify(text.slice(Math.max(0, at - 24), at + 24));
  return `${prompt.name} (${mode}) first differs at character ${at} of ${base.length}: plain ${around(base)} vs ${around(other)}; ${explanation}`;
}

/** Why greedy outputs differ, from the plain engine that produced `base` (it must still be alive). */
async function explain(plain: LlamaEngine, conversation: ConversationItem[], base: string, other: string): Promise<string> {
  try {
    return (await explainMismatch({ engine: plain, request: greedyRequest(conversation), plain: base, other })).line;
  } catch (error) {
    // A diagnostic that fails must not cost the benchmark its results.
    return `no explanation: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function sum<T>(list: readonly T[], value: (item: T) => number): number {
  return list.reduce((total, item) => total + value(item), 0);
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}
