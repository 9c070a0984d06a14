import { ClientError } from '@spark/client';
import { computeHunks, editSelectionRequest, proposalHunks, rewrittenSelection, serverModel, splitLines, streamRewrite } from 'spark-vscode/edit';
import { BENCH_FUNCTION, BENCH_INSTRUCTION } from './editor-function.js';
import { spawnServer } from './spawn-server.js';
import { fmt, median } from './stats.js';

export interface EditorBenchOptions {
  serverArgs: readonly string[];
  repeats: number;
}

/** Room for the rewrite: the selection's own tokens (about 3.2 characters each) and a margin. */
const OUTPUT_TOKENS_PER_CHAR = 1 / 2.5;

interface EditorRun { lastHunkMs: number; firstHunkMs: number; hunks: number; text: string; outputTokens: number; error?: string }

/**
 * Issue 16's editor view: VS Code's "Spark: Edit Selection" on a 100-line function, timed from
 * the command (instruction entered) to the last hunk drawn, with and without the selection as
 * `prediction`, on one `spark serve`, and on a second one without speculation; runs alternate so
 * load hits all three. It runs the extension's
 * own request, stream reader and hunk drawing (`spark-vscode/edit`); VS Code's rendering of the
 * diff, the same for both, is not in the figure.
 */
export async function benchEditor(options: EditorBenchOptions): Promise<void> {
  const source = BENCH_FUNCTION;
  const instruction = BENCH_INSTRUCTION;
  const server = await spawnServer(options.serverArgs);
  // The same engine decoding token by token: without a prediction the engine still drafts from
  // the prompt, which holds the selection, so this is what speculation as a whole is measured against.
  const unspeculated = await spawnServer([...options.serverArgs, '--no-speculation']).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  const runs = { plain: [] as EditorRun[], predicted: [] as EditorRun[], decoded: [] as EditorRun[] };
  try {
    const model = await serverModel(server.url, undefined);
    const maxOutputTokens = Math.ceil(source.length * OUTPUT_TOKENS_PER_CHAR);
    // Warms the prompt's prefix so no side pays a cold prefill the others do not.
    await edit(server.url, model, source, instruction, true, maxOutputTokens);
    await edit(unspeculated.url, model, source, instruction, false, maxOutputTokens);
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      runs.plain.push(await edit(server.url, model, source, instruction, false, maxOutputTokens));
      runs.predicted.push(await edit(server.url, model, source, instruction, true, maxOutputTokens));
      runs.decoded.push(await edit(unspeculated.url, model, source, instruction, false, maxOutputTokens));
    }
  } finally {
    await Promise.all([server.stop(), unspeculated.stop()]);
  }
  const last = (list: EditorRun[]): number => median(list.map((run) => run.lastHunkMs));
  const first = (list: EditorRun[]): number => median(list.map((run) => run.firstHunkMs));
  console.log(`\n== editor: Edit Selection on a ${source.split('\n').length - 1}-line function, command -> last hunk drawn (ms, median of ${options.repeats}) ==`);
  const row = (cells: string[]): string => cells.map((cell, index) => cell.padEnd(index === 0 ? 16 : 14)).join('');
  console.log(row(['', 'first hunk', 'last hunk', 'hunks', 'out tokens', 'lines kept', 'errors']));
  for (const [label, list] of [['no prediction', runs.plain], ['prediction', runs.predicted], ['no speculation', runs.decoded]] as const) {
    const errors = list.filter((run) => run.error !== undefined);
    const tokens = median(list.map((run) => run.outputTokens));
    const kept = median(list.map((run) => keptLines(source, run.text)));
    console.log(row([label, fmt(first(list)), fmt(last(list)), String(list[0]?.hunks ?? ''), fmt(tokens, 0), `${fmt(kept * 100, 0)}%`, String(errors.length)]));
    for (const run of errors.slice(0, 1)) console.log(`  ${label}: ${run.error ?? ''}`);
  }
  const speedup = last(runs.plain) / last(runs.predicted);
  const same = runs.plain.every((run, index) => run.text === runs.predicted[index]?.text);
  console.log(`speed-up with prediction: ${fmt(speedup, 2)}x (goal >= 2x: ${speedup >= 2 ? 'met' : 'MISSED'}); same rewrite both ways: ${same ? 'yes' : 'no'}`);
  const perToken = (list: EditorRun[]): number => median(list.map((run) => run.lastHunkMs / run.outputTokens));
  console.log(`speculation as a whole (prediction and prompt lookup) against decoding token by token, per output token: ${fmt(perToken(runs.decoded) / perToken(runs.predicted), 2)}x `
    + `(${fmt(perToken(runs.decoded), 1)} vs ${fmt(perToken(runs.predicted), 1)} ms; without a prediction ${fmt(perToken(runs.decoded) / perToken(runs.plain), 2)}x: the prompt holds the selection, so prompt lookup drafts it too)`);
  console.log('(lines kept: the share of the function\'s lines the rewrite left as they were; a small model that does not copy the selection gives prediction little to draft from)');
}

/** The share of `source`'s lines that the rewrite kept unchanged. */
function keptLines(source: string, text: string): number {
  const lines = splitLines(source).length;
  const removed = computeHunks(source, text).reduce((sum, hunk) => sum + hunk.removed.length, 0);
  return lines === 0 ? 0 : (lines - removed) / lines;
}

async function edit(url: string, model: string, source: string, instruction: string, predict: boolean, maxOutputTokens: number): Promise<EditorRun> {
  const started = performance.now();
  let firstHunkMs = Number.NaN;
  let lastHunkMs = Number.NaN;
  let hunks = 0;
  let partial = '';
  const request = { ...editSelectionRequest({ model, selection: source, instruction, languageId: 'typescript', path: 'src/order.ts', predict }), max_output_tokens: maxOutputTokens };
  const drew = (count: number): void => {
    if (count === 0) return;
    const now = performance.now() - started;
    if (Number.isNaN(firstHunkMs)) firstHunkMs = now;
    lastHunkMs = now;
    hunks = count;
  };
  try {
    const result = await streamRewrite({
      url, request,
      // What the extension draws at each redraw: the hunks of the lines complete so far.
      onText: (text) => { partial = text; drew(proposalHunks({ start: 0, original: source, rewritten: text }, true).length); },
    });
    const text = rewrittenSelection(source, result.text);
    drew(computeHunks(source, text).length);
    return { firstHunkMs, lastHunkMs, hunks, text, outputTokens: result.outputTokens ?? Number.NaN };
  } catch (error) {
    // A reply cut at the output limit (a small model looping) still counts, with what it wrote.
    const message = error instanceof Error ? error.message : String(error);
    return { firstHunkMs, lastHunkMs: performance.now() - started, hunks, text: partial, outputTokens: ClientError.is(error) && error.code === 'response_incomplete' ? maxOutputTokens : Number.NaN, error: message };
  }
}

