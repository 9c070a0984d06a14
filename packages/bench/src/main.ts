import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { engineBuildStatus, resolveModel } from '@spark/engine-llama';
import { benchAgent } from './agent-bench.js';
import { benchAgentEdits } from './agent-edits-bench.js';
import { benchApp } from './app-bench.js';
import { benchDual } from './dual-bench.js';
import { benchEdits } from './edits-bench.js';
import { benchEditor } from './editor-bench.js';
import { benchGateway } from './gateway-bench.js';
import { benchLoad } from './load-bench.js';
import { benchLong, parseLongCache } from './long-bench.js';
import { benchNetwork } from './network-bench.js';
import { benchPeer } from './peer/peer-bench.js';
import { benchTui } from './tui-bench.js';
import { benchRealtime } from './realtime-bench.js';
import { benchServeVsDirect } from './serve-vs-direct.js';
import { benchTurns } from './turns-bench.js';
import { benchUpstream } from './upstream-bench.js';

const WORKLOADS = ['peer', 'serve', 'turns', 'gateway', 'realtime', 'agent', 'tui', 'edits', 'load', 'upstream', 'app', 'editor', 'dual', 'agent-edits', 'network', 'long'] as const;
type Workload = (typeof WORKLOADS)[number];
/** Views that run no local model: `--only` these and no model is resolved or pulled. */
const MODEL_FREE: ReadonlySet<Workload> = new Set(['gateway', 'upstream', 'network']);

/** `npm run bench`: every figure is a ratio measured side by side in this one run. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      repeats: { type: 'string', default: '3' },
      'decode-tokens': { type: 'string', default: '128' },
      threads: { type: 'string' },
      'decode-threads': { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      'verify-threads': { type: 'string' },
      'edit-prompts': { type: 'string' },
      'edit-tokens': { type: 'string' },
      'background-interval': { type: 'string' },
      'long-caches': { type: 'string' },
    },
  });
  const only = new Set<Workload>((values.only ?? [...WORKLOADS]).map((name) => {
    if (!(WORKLOADS as readonly string[]).includes(name)) throw new Error(`unknown workload ${name}; choose from ${WORKLOADS.join(', ')}`);
    return name as Workload;
  }));
  if (only.has('upstream')) await benchUpstream();
  if ([...only].every((workload) => MODEL_FREE.has(workload))) {
    if (only.has('gateway')) await benchGateway();
    if (only.has('network')) await benchNetwork({ quick: values.quick });
    return;
  }
  // The agent-edits view is issue 23's figure on gemma3-270m-q5_k; the others' default is SmolLM2.
  const defaultModel = only.size === 1 && only.has('agent-edits') ? 'gemma3-270m-q5_k' : 'smollm2-135m';
  const local = await resolveModel(values.model ?? defaultModel, { pull: true });
  const threads = values.threads ? Number(values.threads) : availableParallelism();
  // The engine's own default: all threads on a local build (thread pool), half on the prebuilt binaries.
  const build = await engineBuildStatus();
  const decodeThreads = values['decode-threads'] ? Number(values['decode-threads'])
    : build.installed || build.cached ? threads : Math.max(1, Math.floor(threads / 2));
  const repeats = values.quick ? 1 : Number(values.repeats);
  const serverArgs = ['--model', local.path, '--ctx', '8192', '--threads', String(threads), '--decode-threads', String(decodeThreads)];
  if (only.has('peer')) await benchPeer({
    modelPath: local.path,
    threadCounts: [...new Set([1, threads])],
    repeats: values.quick ? 1 : Number(values.repeats),
    decodeTokens: 256,
    streams: 4,
    streamTokens: 128,
    prefillTokens: 1260,
    turns: 10,
  });
  if (only.has('gateway')) await benchGateway();
  if (only.has('network')) await benchNetwork({ quick: values.quick });
  if (only.has('load')) await benchLoad({ serverArgs, httpStreams: 50, wsConnections: 200, wsTurns: 3, hugeInputBytes: 30 * 1024 * 1024 });
  if (only.has('agent')) await benchAgent({ repeats });
  if (only.has('tui')) await benchTui({ serverArgs, quick: values.quick });
  if (only.has('app')) await benchApp({ serverArgs, quick: values.quick });
  if (only.has('editor')) await benchEditor({ serverArgs, repeats });
  if (only.has('realtime')) await benchRealtime({ modelId: local.alias, modelPath: local.path, threads, decodeThreads, repeats });
  if (only.has('dual')) await benchDual({
    modelId: local.alias, modelPath: local.path, threads, decodeThreads, repeats, foregroundTokens: values.quick ? 48 : 96,
    ...(values['background-interval'] ? { backgroundStepInterval: Number(values['background-interval']) } : {}),
  });
  if (only.has('long')) {
    // Long context needs a model with a long trained window: Gemma 3 270M (32k), whatever --model says.
    const gemma = await resolveModel('gemma3-270m', { pull: true });
    await benchLong({
      modelPath: gemma.path, threads, decodeThreads,
      depths: values.quick ? [2048, 8192] : [2048, 8192, 16_384, 30_720],
      caches: (values['long-caches'] ?? 'f16,f16/window,q8_0').split(',').map(parseLongCache),
    });
  }
  if (only.has('turns')) await benchTurns({ modelPath: local.path, serverArgs, maxOutputTokens: 40 });
  if (only.has('edits')) await benchEdits({
    modelId: local.alias,
    modelPath: local.path,
    threads,
    decodeThreads,
    verifyThreads: values['verify-threads'] ? Number(values['verify-threads']) : threads,
    prompts: Number(values['edit-prompts'] ?? (values.quick ? 6 : 20)),
    chatPrompts: values.quick ? 4 : 10,
    maxOutputTokens: Number(values['edit-tokens'] ?? (values.quick ? 160 : 320)),
    repeats: 1,
  });
  if (only.has('agent-edits')) await benchAgentEdits({ modelId: local.alias, modelPath: local.path, threads, decodeThreads, rounds: values.quick ? 2 : Math.max(3, Number(values.repeats)) });
  if (only.has('serve')) await benchServeVsDirect({
    modelAlias: local.alias,
    modelPath: local.path,
    settings: { contextSize: 8192, sequences: 4, threads, decodeThreads },
    repeats,
    decodeTokens: Number(values['decode-tokens']),
    promptSizes: [1024, 4096],
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
