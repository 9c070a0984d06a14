import { computeHunks, editSelectionRequest, proposalHunks, rewrittenSelection, streamRewrite } from 'spark-vscode/edit';
import { benchFunction } from './editor-function.js';
import { spawnServer } from './spawn-server.js';
import { fmt, median } from './stats.js';

export interface EditorBenchOptions {
  serverArgs: readonly string[];
  repeats: number;
}

/** Room for the rewrite: the selection's own tokens (about 3.2 characters each) and a margin. */
const OUTPUT_TOKENS_PER_CHAR = 1 / 2.5;

interface EditorRun { lastHunkMs: number; firstHunkMs: number; hunks: number; text: string; error?: string }

/**
 * Issue 16's editor view: VS Code's "Spark: Edit Selection" on a 100-line function, timed from
 * the command (instruction entered) to the last hunk drawn, with and without the selection as
 * `prediction`, on one `spark serve`, runs alternating so load hits both. It runs the extension's
 * own request, stream reader and hunk drawing (`spark-vscode/edit`); VS Code's rendering of the
 * diff, the same for both, is not in the figure.
 */
export async function benchEditor(options: EditorBenchOptions): Promise<void> {
  const { source, instruction } = benchFunction(100);
  const server = await spawnServer(options.serverArgs);
  const runs = { plain: [] as EditorRun[], predicted: [] as EditorRun[] };
  try {
    const model = await firstModel(server.url);
    const maxOutputTokens = Math.ceil(source.length * OUTPUT_TOKENS_PER_CHAR);
    // Warms the prompt's prefix so neither side pays a cold prefill the other does not.
    await edit(server.url, model, source, instruction, true, maxOutputTokens);
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      runs.plain.push(await edit(server.url, model, source, instruction, false, maxOutputTokens));
      runs.predicted.push(await edit(server.url, model, source, instruction, true, maxOutputTokens));
    }
  } finally {
    await server.stop();
  }
  const last = (list: EditorRun[]): number => median(list.map((run) => run.lastHunkMs));
  const first = (list: EditorRun[]): number => median(list.map((run) => run.firstHunkMs));
  console.log(`\n== editor: Edit Selection on a ${source.split('\n').length - 1}-line function, command -> last hunk drawn (ms, median of ${options.repeats}) ==`);
  console.log(['', 'first hunk', 'last hunk', 'hunks', 'errors'].map((h) => h.padEnd(14)).join(''));
  for (const [label, list] of [['no prediction', runs.plain], ['prediction', runs.predicted]] as const) {
    const errors = list.filter((run) => run.error !== undefined);
    console.log([label, fmt(first(list)), fmt(last(list)), String(list[0]?.hunks ?? ''), String(errors.length)].map((c) => c.padEnd(14)).join(''));
    for (const run of errors.slice(0, 1)) console.log(`  ${label}: ${run.error ?? ''}`);
  }
  const speedup = last(runs.plain) / last(runs.predicted);
  const same = runs.plain.every((run, index) => run.text === runs.predicted[index]?.text);
  console.log(`speed-up with prediction: ${fmt(speedup, 2)}x (goal >= 2x: ${speedup >= 2 ? 'met' : 'MISSED'}); same rewrite both ways: ${same ? 'yes' : 'no'}`);
}

async function edit(url: string, model: string, source: string, instruction: string, predict: boolean, maxOutputTokens: number): Promise<EditorRun> {
  const started = performance.now();
  let firstHunkMs = Number.NaN;
  let lastHunkMs = Number.NaN;
  let hunks = 0;
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
      onText: (text) => { drew(proposalHunks({ start: 0, original: source, rewritten: text }, true).length); },
    });
    const text = rewrittenSelection(source, result.text);
    drew(computeHunks(source, text).length);
    return { firstHunkMs, lastHunkMs, hunks, text };
  } catch (error) {
    return { firstHunkMs, lastHunkMs: performance.now() - started, hunks, text: '', error: error instanceof Error ? error.message : String(error) };
  }
}

async function firstModel(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/models`);
  const body = (await response.json()) as { data: Array<{ id: string }> };
  return body.data[0]?.id ?? '';
}
