import type { ConversationItem, EngineEvent, GenerateRequest, SpeculationTimings } from '@spark/engine';
import { LlamaEngine, MAX_VERIFY_BATCH_TOKENS } from '@spark/engine-llama';
import { CHAT_PROMPTS, editMessage, editPrompts, type EditPrompt } from './edit-prompts.js';
import { explainMismatch } from './explain-mismatch.js';
import { fmt, median } from './stats.js';
import { measureVerificationCosts, VERIFY_BATCH_SIZES, type VerificationCosts } from './verification-cost.js';

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
type Mode = 'plain' | 'lookup' | 'prediction' | 'fast';
const MODES: readonly Mode[] = ['plain', 'lookup', 'prediction', 'fast'];
const LABEL: Record<Mode, string> = { plain: 'plain greedy', lookup: 'prompt lookup', prediction: 'lookup + prediction', fast: '... not exact' };

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
  const exact = await LlamaEngine.create({ ...common, speculation: true, verifyThreads: options.verifyThreads });
  // Batches up to the cap whether or not they compute like one-token steps: the speed left on the table for exactness.
  const fast = await LlamaEngine.create({ ...common, speculation: true, verifyThreads: options.verifyThreads, exactSpeculation: false });
  const results = new Map<Mode, RunResult[]>(MODES.map((mode) => [mode, []]));
  const mismatches: string[] = [];
  const chat = { off: [] as RunResult[], on: [] as RunResult[] };
  let chatMatches = 0;
  try {
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      for (const prompt of prompts) {
        const conversation: ConversationItem[] = [{ type: 'user', text: editMessage(prompt) }];
        const base = await run(plain, conversation, options.maxOutputTokens);
        const lookup = await run(exact, conversation, options.maxOutputTokens);
        const predicted = await run(exact, conversation, options.maxOutputTokens, prompt.expected);
        const inexact = await run(fast, conversation, options.maxOutputTokens, prompt.expected);
        results.get('plain')?.push(base);
        results.get('lookup')?.push(lookup);
        results.get('prediction')?.push(predicted);
        results.get('fast')?.push(inexact);
        if (repeat === 0) {
          for (const [mode, other] of [['lookup', lookup], ['prediction', predicted], ['fast', inexact]] as const) {
            if (other.text !== base.text) mismatches.push(describeMismatch(prompt, mode, base.text, other.text, await explain(plain, conversation, base.text, other.text)));
          }
        }
      }
    }
    for (const text of CHAT_PROMPTS.slice(0, options.chatPrompts)) {
      const conversation: ConversationItem[] = [{ type: 'user', text }];
      for (let repeat = 0; repeat < options.repeats; repeat += 1) {
        const off = await run(plain, conversation, 128);
        const on = await run(exact, conversation, 128);
        chat.off.push(off);
        chat.on.push(on);
        if (repeat === 0 && off.text === on.text) chatMatches += 1;
      }
    }
  } finally {
    await plain.dispose();
    await exact.dispose();
    await fast.dispose();
  }

  const lines = prompts.map((prompt) => prompt.lines);
  console.log(`\n== speculative edits (${options.modelId}; ${prompts.length} rewrite prompts of ${Math.min(...lines)}-${Math.max(...lines)} lines in ${new Set(prompts.map((p) => p.language)).size} languages; `
    + `first ${options.maxOutputTokens} output tokens; threads ${options.threads}, decode ${options.decodeThreads}, verify ${options.verifyThreads}; ${options.repeats} run(s) each) ==`);
  printCosts(costs, options);
  console.log(`exact speculation: verification batches of up to ${exact.verifyBatchLimit(MODEL) ?? '?'} tokens compute like one-token steps on this model and machine (measured at load); "not exact" allows ${MAX_VERIFY_BATCH_TOKENS}`);
  const plainSpeed = throughput(results.get('plain') ?? []);
  console.log(pad('mode', 22) + pad('tok/s', 9) + pad('speedup', 9) + pad('median', 8) + pad('accept', 8) + pad('tok/step', 10) + pad('steps', 7) + pad('match plain', 12) + 'prediction tokens acc/rej');
  const ceiling = bestCeiling(costs, options.verifyThreads);
  for (const mode of MODES) {
    const list = results.get(mode) ?? [];
    const speed = throughput(list);
    const spec = sumSpeculation(list);
    const perPrompt = list.map((result, index) => speedOf(result) / speedOf(results.get('plain')?.[index]));
    const matched = mode === 'plain' ? '-' : `${prompts.length - mismatches.filter((line) => line.includes(`(${mode})`)).length}/${prompts.length}`;
    console.log(pad(LABEL[mode], 22) + pad(fmt(speed), 9) + pad(`${fmt(speed / plainSpeed, 2)}x`, 9) + pad(`${fmt(median(perPrompt), 2)}x`, 8)
      + pad(spec.steps > 0 ? `${fmt((100 * spec.acceptedTokens) / spec.draftedTokens, 0)}%` : '-', 8)
      + pad(spec.steps > 0 ? fmt(spec.acceptedTokens / spec.steps, 1) : '-', 10) + pad(String(spec.steps), 7) + pad(matched, 12)
      + (mode === 'prediction' || mode === 'fast' ? `${sum(list, (r) => r.accepted)}/${sum(list, (r) => r.rejected)}` : '-'));
  }
  const best = throughput(results.get('prediction') ?? []) / plainSpeed;
  console.log(`speedup with prediction ${fmt(best, 2)}x = ${fmt((100 * best) / ceiling.speedup, 0)}% of the measured ceiling ${fmt(ceiling.speedup, 2)}x (k=${ceiling.k}, verify threads ${options.verifyThreads}) `
    + `(goals: >= 80% of ceiling: ${best >= 0.8 * ceiling.speedup ? 'met' : 'MISSED'}; >= 2x: ${best >= 2 ? 'met' : 'MISSED'})`);
  for (const mode of ['lookup', 'prediction', 'fast'] as const) {
    const list = results.get(mode) ?? [];
    const bound = oracleBound(list, costs, options.verifyThreads, mode === 'fast' ? MAX_VERIFY_BATCH_TOKENS : exact.verifyBatchLimit(MODEL) ?? MAX_VERIFY_BATCH_TOKENS);
    const spec = sumSpeculation(list);
    const speed = throughput(list) / plainSpeed;
    console.log(`${LABEL[mode]}: ${fmt((100 * spec.draftableTokens) / sum(list, (r) => r.outputTokens), 0)}% of output tokens were draftable, in ${spec.draftableRuns} runs `
      + `(mean ${fmt(spec.draftableTokens / Math.max(1, spec.draftableRuns), 1)}); verifying each run in as few batches as the ${bound.limit}-token limit allows `
      + `(batch(n) = ${fmt(bound.a, 1)} + ${fmt(bound.b, 2)} n ms) and the rest plainly would give ${fmt(bound.speedup, 2)}x: reached ${fmt((100 * speed) / bound.speedup, 0)}% of that`);
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
  let finish: Extract<EngineEvent, { type: 'finish' }> | undefined;
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
    ...(finish.timings.speculation ? { speculation: finish.timings.speculation } : {}),
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

function bestCeiling(costs: VerificationCosts, threads: number): { k: number; speedup: number } {
  const row = costs.batches.get(threads) ?? costs.batches.values().next().value ?? new Map<number, number>();
  let best = { k: 1, speedup: 1 };
  for (const [k, ms] of row) {
    const speedup = (k * costs.plainMs) / ms;
    if (speedup > best.speedup) best = { k, speedup };
  }
  return best;
}

/**
 * What a perfect draft-length policy would reach with the same draft sources on the same outputs:
 * each run of draftable tokens verified in as few batches of at most `limit` tokens as it takes
 * (a batch of s tokens, the pending one plus s - 1 drafts, yields s tokens: a run of L and the
 * token after it need (L + 1) / limit batches, rounded up), every other token a plain step, at
 * the measured costs (batch cost fitted as a + b * n over the measured k). Tells the policy's
 * losses apart from the model's departures from its sources, which no policy can recover.
 */
function oracleBound(list: readonly RunResult[], costs: VerificationCosts, threads: number, limit: number): { speedup: number; a: number; b: number; limit: number } {
  const row = costs.batches.get(threads) ?? costs.batches.values().next().value ?? new Map<number, number>();
  const points = [...row];
  const n = points.length;
  const meanK = points.reduce((total, [k]) => total + k, 0) / n;
  const meanMs = points.reduce((total, [, ms]) => total + ms, 0) / n;
  const b = points.reduce((total, [k, ms]) => total + (k - meanK) * (ms - meanMs), 0) / Math.max(1e-9, points.reduce((total, [k]) => total + (k - meanK) ** 2, 0));
  const a = Math.max(0, meanMs - b * meanK);
  let tokens = 0;
  let ms = 0;
  for (const result of list) {
    const spec = result.speculation;
    const draftable = Math.min(spec?.draftableTokens ?? 0, result.decodeTokens);
    const runs = spec?.draftableRuns ?? 0;
    tokens += result.decodeTokens;
    const batches = Math.max(runs, Math.ceil((draftable + runs) / Math.max(1, limit)));
    ms += batches * a + b * (runs + draftable) + Math.max(0, result.decodeTokens - draftable - runs) * costs.plainMs;
  }
  return { speedup: ms > 0 ? (tokens * costs.plainMs) / ms : NaN, a, b, limit };
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
