import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, APPLY_PATCH_INSTRUCTIONS, BASE_SYSTEM_PROMPT, WORKSPACE_TOOLS, type AgentEvent } from '@spark/agent';
import type { HistoryItem } from '@spark/protocol';
import { connectResponses } from '@spark/client';
import { LlamaEngine, MAX_VERIFY_BATCH_TOKENS } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';
import { AGENT_EDITS_PATH, agentEditsFile, renamed, rewritePatch, type RenameEdit } from './agent-edits-file.js';
import { completeHunks } from './patch-stream-probe.js';
import { fmt, median } from './stats.js';
import { draftFigures, TappedEngine } from './tapped-engine.js';
import { bestCeiling, measureVerificationCosts } from './verification-cost.js';

export interface AgentEditsBenchOptions {
  modelId: string;
  modelPath: string;
  threads: number;
  decodeThreads: number;
  /** Rounds; each runs every mode once, in alternating order. */
  rounds: number;
}

/** Set to 1 to print each run's patch text and the agent's patch checks, tool results and warnings. */
const VERBOSE_ENV = 'SPARK_BENCH_VERBOSE';

/** The targeted edit: a rename in the first function (six of its lines, four hunks). */
const TARGETED: RenameEdit = { from: 'refunded', to: 'refundTotal', firstLine: 1, lastLine: 110 };
/**
 * The big rewrite for fast apply: the first lines of the bench file, deleted and added again
 * with a rename (the whole-file form of a patch that replaces most of a file).
 */
const REWRITE_LINES = 40;
const REWRITE_PATH = 'src/summary.ts';
const REWRITE: RenameEdit = { from: 'order', to: 'sale', firstLine: 1, lastLine: REWRITE_LINES };

interface EditRun {
  /** Patch tokens per second of decoding (the engine's own decode clock). */
  tokPerSec: number;
  outputTokens: number;
  drafted: number;
  accepted: number;
  /** ms from the request to the first patch text the client saw. */
  firstPatchMs: number;
  /** ms from the first patch text to the first hunk verified (the agent's event, else the first complete hunk in the stream). */
  firstHunkMs: number;
  /** Whether the agent streamed more than one piece of patch text (false: the input came whole at the end). */
  streamed: boolean;
  /** ms from the user's message to the file on disk being the expected one (NaN: it never was). */
  finalFileMs: number;
  /** The file came out exactly as asked. */
  applied: boolean;
  /** The agent applied the model's patch (which may differ from the one asked for where the tiny model miscopied). */
  patched: boolean;
}

interface Task { path: string; before: string; after: string; patch: string }

type Mode = 'spec off' | 'spec on' | 'fast apply off' | 'fast apply on';

/**
 * Issue 23's agent-edits view: the real agent, over the real server (WebSocket), edits a
 * 200-line file with a forced `apply_patch` whose exact text the conversation already holds (the
 * user's message and one earlier call of it, see `seededHistory`), so the patch's tokens are
 * copies of the prompt (what prompt lookup drafts). Speculation on and off are
 * two engines on two servers in this process, rounds alternating so load hits both; engines are
 * tapped for their draft counts, which the API does not carry. A second pair times the agent's
 * fast apply (a patch replacing most of a file turned into a rewrite with the file as
 * prediction) against applying the patch, on the speculating engine.
 */
export async function benchAgentEdits(options: AgentEditsBenchOptions): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'spark-agent-edits-'));
  const file = agentEditsFile();
  const after = renamed(file, TARGETED);
  const targeted: Task = { path: AGENT_EDITS_PATH, before: file, after, patch: rewritePatch(AGENT_EDITS_PATH, file, after) };
  const small = `${file.split('\n').slice(0, REWRITE_LINES).join('\n')}\n`;
  const smallAfter = renamed(small, REWRITE);
  const rewrite: Task = { path: REWRITE_PATH, before: small, after: smallAfter, patch: wholeFilePatch(REWRITE_PATH, smallAfter) };
  const common = { models: [{ id: options.modelId, path: options.modelPath }], contextSize: 8192, sequences: 2, threads: options.threads, decodeThreads: options.decodeThreads };
  const speculating = await LlamaEngine.create({ ...common, speculation: true });
  const on = new TappedEngine(speculating);
  const off = new TappedEngine(await LlamaEngine.create({ ...common, speculation: false }));
  const servers: RunningServer[] = [];
  const runs = new Map<Mode, EditRun[]>();
  // The largest batch the speculating engine verifies at once (probed at load: beyond it the
  // batched kernels round differently from one-token steps on this machine).
  const batchLimit = speculating.verifyBatchLimit(options.modelId) ?? MAX_VERIFY_BATCH_TOKENS;
  const inputTokens: number[] = [];
  try {
    const serverOn = await startServer({ engine: on, port: 0, dbPath: ':memory:' });
    servers.push(serverOn);
    const serverOff = await startServer({ engine: off, port: 0, dbPath: ':memory:' });
    servers.push(serverOff);
    const plan: Array<{ mode: Mode; url: string; engine: TappedEngine; task: Task; fastApply: boolean }> = [
      { mode: 'spec off', url: serverOff.url, engine: off, task: targeted, fastApply: false },
      { mode: 'spec on', url: serverOn.url, engine: on, task: targeted, fastApply: false },
      { mode: 'fast apply off', url: serverOn.url, engine: on, task: rewrite, fastApply: false },
      { mode: 'fast apply on', url: serverOn.url, engine: on, task: rewrite, fastApply: true },
    ];
    // Unmeasured: the first generation on each engine pays for allocations and the prompt's prefill.
    for (const step of plan.slice(0, 2)) await editOnce(workspace, options.modelId, step);
    for (let round = 0; round < options.rounds; round += 1) {
      for (const step of round % 2 === 0 ? plan : [...plan].reverse()) {
        const run = await editOnce(workspace, options.modelId, step);
        process.stderr.write(`agent-edits round ${round + 1}/${options.rounds} ${step.mode}: ${fmt(run.run.tokPerSec)} tok/s, file ${run.run.applied ? 'right' : 'wrong'}\n`);
        runs.set(step.mode, [...(runs.get(step.mode) ?? []), run.run]);
        if (step.task === targeted) inputTokens.push(run.inputTokens);
      }
    }
  } finally {
    for (const server of servers) await server.close();
    await on.dispose();
    await off.dispose();
    await rm(workspace, { recursive: true, force: true });
  }

  const depth = Math.round(median(inputTokens));
  const costs = await measureVerificationCosts({
    modelPath: options.modelPath, prompt: file, depth, threadCounts: [options.decodeThreads], decodeThreads: options.decodeThreads, repeats: 3, extraSizes: [batchLimit],
  });
  const ceiling = bestCeiling(costs, options.decodeThreads, batchLimit);
  const unlimited = bestCeiling(costs, options.decodeThreads);
  const figure = (mode: Mode, field: keyof EditRun): number => median((runs.get(mode) ?? []).map((run) => Number(run[field])));
  const acceptance = (mode: Mode): string => {
    const list = runs.get(mode) ?? [];
    const drafted = list.reduce((sum, run) => sum + run.drafted, 0);
    return drafted > 0 ? `${fmt((100 * list.reduce((sum, run) => sum + run.accepted, 0)) / drafted, 0)}% of ${drafted}` : 'no drafts';
  };
  const applied = (mode: Mode): string => `${(runs.get(mode) ?? []).filter((run) => run.applied).length}/${(runs.get(mode) ?? []).length}`;
  const patched = (mode: Mode): string => `${(runs.get(mode) ?? []).filter((run) => run.patched).length}/${(runs.get(mode) ?? []).length}`;
  const streamed = (mode: Mode): string => ((runs.get(mode) ?? []).some((run) => run.streamed) ? 'yes' : 'no (whole at the end)');

  console.log(`\n== agent edits (${options.modelId}; the agent over WebSocket, forced apply_patch on a ${file.split('\n').length - 1}-line file; threads ${options.threads}, decode ${options.decodeThreads}; medians of ${options.rounds} round(s), alternating) ==`);
  console.log(['mode', 'patch tok/s', 'out tokens', 'drafts accepted', 'first patch ms', 'first hunk ms', 'streamed', 'applied', 'file as asked'].map((h) => h.padEnd(16)).join(''));
  for (const mode of ['spec off', 'spec on'] as const) {
    console.log([mode, fmt(figure(mode, 'tokPerSec')), fmt(figure(mode, 'outputTokens'), 0), acceptance(mode), fmt(figure(mode, 'firstPatchMs'), 0),
      fmt(figure(mode, 'firstHunkMs'), 0), streamed(mode), patched(mode), applied(mode)].map((c) => c.padEnd(16)).join(''));
  }
  const speedup = figure('spec on', 'tokPerSec') / figure('spec off', 'tokPerSec');
  console.log(`patch tokens with speculation: ${fmt(speedup, 2)}x (goal >= 2x: ${speedup >= 2 ? 'met' : 'MISSED'}); `
    + `${fmt((100 * speedup) / ceiling.speedup, 0)}% of the ceiling ${fmt(ceiling.speedup, 2)}x the edits bench measures within this engine's verification batch limit `
    + `(${batchLimit} tokens, probed at load; k=${ceiling.k} at depth ${depth}: k * plain step / batch of k; with any batch up to ${MAX_VERIFY_BATCH_TOKENS}: ${fmt(unlimited.speedup, 2)}x at k=${unlimited.k})`);
  console.log(`(that ceiling counts a plain step at its kernel time, ${fmt(costs.plainMs)} ms; the agent's plain steps took ${fmt(1000 / figure('spec off', 'tokPerSec'))} ms a token, `
    + 'grammar sampling and the server\'s and agent\'s work included, which a verification batch pays once for all its tokens: the agent can pass it)');
  console.log('(first hunk ms: from the first patch text the agent saw to its first hunk verified, or to the first complete hunk in the stream where the agent reports none)');
  console.log(`fast apply on a ${REWRITE_LINES}-line file that the patch deletes and adds again with ${changedShare(rewrite.before, rewrite.after)}% of its lines changed (speculation on): time to the final file`);
  for (const mode of ['fast apply off', 'fast apply on'] as const) {
    console.log(`  ${mode.padEnd(15)} ${fmt(figure(mode, 'finalFileMs'), 0)} ms (file right: ${applied(mode)}; ${fmt(figure(mode, 'outputTokens'), 0)} patch tokens)`);
  }
  const pays = figure('fast apply off', 'finalFileMs') / figure('fast apply on', 'finalFileMs');
  console.log(`fast apply: ${fmt(pays, 2)}x (${pays > 1 ? 'pays' : 'does not pay'} on this model and machine)`);
}

function changedShare(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  return fmt((100 * a.filter((line, index) => line !== b[index]).length) / Math.max(1, a.length - 1), 0);
}

/** The user's message: the edit and the exact patch to send. */
function taskText(task: Task): string {
  return `Edit ${task.path}. Call apply_patch with exactly this patch, character for character:\n\n${task.patch}`;
}

/** The second request, after the seeded first one. */
const AGAIN_TEXT = 'Call apply_patch with exactly the same patch again.';

/**
 * The conversation the agent resumes: the task, the model's own call with that patch, its
 * output. Shown the patch only as a user's text, a 135M-270M model strays at once (Gemma 3 270M
 * closes an empty Update; SmolLM2 adds a file of its own); shown one call of it, both copy it
 * exactly, which is what this bench needs: a real patch that is mostly copied text.
 */
function seededHistory(task: Task): HistoryItem[] {
  return [
    { type: 'message', role: 'user', content: taskText(task) },
    { type: 'custom_tool_call', call_id: 'call_seeded', name: 'apply_patch', input: task.patch },
    { type: 'custom_tool_call_output', call_id: 'call_seeded', output: 'Done. The file was then restored to its previous text.' },
  ];
}

/** A patch that replaces a whole file: Delete, then Add with the new text. */
function wholeFilePatch(path: string, text: string): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return `*** Begin Patch\n*** Delete File: ${path}\n*** Add File: ${path}\n${lines.map((line) => `+${line}`).join('\n')}\n*** End Patch\n`;
}

async function editOnce(
  workspace: string, model: string,
  step: { url: string; engine: TappedEngine; task: Task; fastApply: boolean },
): Promise<{ run: EditRun; inputTokens: number }> {
  const { task } = step;
  await mkdir(join(workspace, 'src'), { recursive: true });
  await writeFile(join(workspace, task.path), task.before);
  const patchTokens = Math.ceil(task.patch.length / 2);
  const connection = await connectResponses({ baseUrl: `${step.url}/v1`, transport: 'websocket' });
  const before = step.engine.generations.length;
  let firstPatchAt = Number.NaN;
  let firstHunkAt = Number.NaN;
  let finalAt = Number.NaN;
  let deltas = 0;
  let input = '';
  let applied = false;
  let patched = false;
  try {
    const agent = new Agent({
      connection, model, workspace, tools: WORKSPACE_TOOLS, contextWindow: 8192, approval: 'auto-in-workspace', loopGuard: false,
      instructions: `${BASE_SYSTEM_PROMPT}\n\n${APPLY_PATCH_INSTRUCTIONS}`, maxStepsPerTurn: 1,
      requestOverrides: { temperature: 0, max_output_tokens: patchTokens },
      firstStepOverrides: { tool_choice: { type: 'custom', name: 'apply_patch' } },
      resume: { history: seededHistory(task), undo: [], turns: 1 },
      ...(step.fastApply ? { fastApply: true } : {}),
    });
    const started = performance.now();
    for await (const event of agent.run(AGAIN_TEXT)) {
      const now = performance.now() - started;
      if (process.env[VERBOSE_ENV] === '1' && (event.type === 'patch.hunk' || event.type === 'tool_result' || event.type === 'warning' || event.type === 'error')) process.stderr.write(`${JSON.stringify(event)}\n`);
      if (event.type === 'tool_input.delta') {
        deltas += 1;
        if (Number.isNaN(firstPatchAt)) firstPatchAt = now;
        input += event.delta;
        if (Number.isNaN(firstHunkAt) && completeHunks(input) > 0) firstHunkAt = now;
      }
      if (hunkVerified(event) && Number.isNaN(firstHunkAt)) firstHunkAt = now;
      if (event.type === 'patch.applied') {
        patched = true;
        finalAt = now;
        applied = (await readFile(join(workspace, task.path), 'utf8')) === task.after;
      }
    }
    if (Number.isNaN(firstHunkAt) && completeHunks(`${input}\n***`) > 0) firstHunkAt = finalAt;
    // What the model wrote, for a run whose file came out wrong.
    if (process.env[VERBOSE_ENV] === '1') process.stderr.write(`--- patch input (${deltas} deltas):\n${input}\n---\n`);
  } finally {
    await connection.close();
  }
  const generation = step.engine.generations[before];
  const timings = generation?.timings;
  const drafts = draftFigures(generation?.metadata);
  return {
    run: {
      tokPerSec: timings && timings.decodeMs > 0 ? (timings.decodeTokens * 1000) / timings.decodeMs : Number.NaN,
      outputTokens: generation?.usage?.outputTokens ?? Number.NaN,
      drafted: drafts?.drafted ?? 0,
      accepted: drafts?.accepted ?? 0,
      firstPatchMs: firstPatchAt,
      firstHunkMs: firstHunkAt - firstPatchAt,
      streamed: deltas > 1,
      finalFileMs: applied ? finalAt : Number.NaN,
      applied,
      patched,
    },
    inputTokens: generation?.usage?.inputTokens ?? Number.NaN,
  };
}

/**
 * An agent event saying a streamed hunk was checked against the file, whatever the agent names
 * it (issue 23 adds one): read loosely, so the bench runs on agents with and without it.
 */
function hunkVerified(event: AgentEvent): boolean {
  return event.type.includes('hunk');
}
