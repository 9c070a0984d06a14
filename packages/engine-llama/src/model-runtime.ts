import { stat } from 'node:fs/promises';
import { resolveChatWrapper, type ChatWrapper, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import { EngineError } from '@spark/engine';
import { resolveFunctionCallSyntax, type FunctionCallSyntax } from './function-call-syntax.js';
import { withFunctionDocsAfterFirstSystem } from './function-docs-after-first-system.js';
import { DEFAULT_CONTEXT_SIZE, DEFAULT_SEQUENCES, MAX_SEQUENCES, type ResolvedEngineOptions } from './llama-engine-options.js';
import { SequenceGate } from './sequence-gate.js';
import { SequencePool } from './sequence-pool.js';
import { StepBatcher } from './step-batcher.js';
import { longestTokenBytes } from './tokenizer/longest-token-bytes.js';
import { createPromptTokenizer, type PromptTokenizer } from './tokenizer/prompt-tokenizer.js';
import type { TokenizerWorker } from './tokenizer/tokenizer-worker.js';

/** One sequence of a model's context, with the gate its evaluation steps pass through. */
export interface PooledSequence {
  readonly sequence: LlamaContextSequence;
  readonly gate: SequenceGate;
}

/** One loaded model with its context, chat template and pool of sequences. */
export interface ModelRuntime {
  readonly id: string;
  readonly path: string;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly wrapper: ChatWrapper;
  readonly syntax: FunctionCallSyntax;
  readonly pool: SequencePool<PooledSequence>;
  /** Tokenizes prompts (large ones in the engine's tokenizer worker). */
  readonly tokenizer: PromptTokenizer;
  /** Batches the token steps of the context's concurrent generations into one decode. */
  readonly batcher: StepBatcher;
  /** Tokens one sequence holds. */
  readonly contextSize: number;
  /** Sequences of the context. */
  readonly sequences: number;
  /** Bytes of model weights (memory-mapped from the GGUF). */
  readonly weightsBytes: number;
  /** Bytes the context allocates in RAM (KV cache of all sequences, compute buffers), as node-llama-cpp estimates them. */
  readonly contextBytes: number;
  /** The GGUF file's modification time, in Unix seconds. */
  readonly createdAt: number;
}

/** Loads a GGUF, creates one context with `sequences` sequences and resolves its chat wrapper. */
export async function loadModelRuntime(llama: Llama, spec: { id: string; path: string }, options: ResolvedEngineOptions, tokenizerWorker: TokenizerWorker): Promise<ModelRuntime> {
  let model: LlamaModel | undefined;
  try {
    const createdAt = Math.floor((await stat(spec.path)).mtimeMs / 1000);
    model = await llama.loadModel({ modelPath: spec.path });
    const contextSize = options.contextSize ?? Math.min(model.trainContextSize || DEFAULT_CONTEXT_SIZE, DEFAULT_CONTEXT_SIZE);
    const sequences = options.sequences ?? (options.kvMemoryBudgetBytes === undefined
      ? DEFAULT_SEQUENCES
      : await sequencesForBudget(model, contextSize, options.kvMemoryBudgetBytes, options));
    const batcher = new StepBatcher({ backgroundInterval: options.backgroundStepInterval });
    const context = await model.createContext({
      contextSize,
      sequences,
      threads: options.threads,
      flashAttention: options.flashAttention,
      swaFullCache: options.swaFullCache,
    });
    const handles = Array.from({ length: sequences }, (): PooledSequence => ({ sequence: context.getSequence(), gate: new SequenceGate() }));
    const estimate = await model.fileInsights.estimateContextResourceRequirementsV2({
      contextSize: context.contextSize, sequences, modelGpuLayers: model.gpuLayers, flashAttention: options.flashAttention, swaFullCache: options.swaFullCache,
    });
    const wrapper = withFunctionDocsAfterFirstSystem(resolveChatWrapper(model));
    return {
      id: spec.id,
      path: spec.path,
      model,
      context,
      wrapper,
      syntax: resolveFunctionCallSyntax(wrapper, model),
      tokenizer: createPromptTokenizer(model, spec.path, tokenizerWorker, longestTokenBytes(model)),
      pool: new SequencePool(handles, options.maxQueuedRequests, options.kvCopyMinTokens),
      batcher,
      contextSize: context.contextSize,
      sequences,
      weightsBytes: model.size,
      contextBytes: estimate.cpuRam,
      createdAt,
    };
  } catch (cause) {
    await model?.dispose();
    throw new EngineError('model_load_failed', `Could not load model ${spec.id}.`, { cause });
  }
}

/** The most sequences whose estimated context memory fits the budget (at least one). */
async function sequencesForBudget(model: LlamaModel, contextSize: number, budget: number, options: ResolvedEngineOptions): Promise<number> {
  for (let sequences = MAX_SEQUENCES; sequences > 1; sequences--) {
    const estimate = await model.fileInsights.estimateContextResourceRequirementsV2({
      contextSize,
      sequences,
      modelGpuLayers: model.gpuLayers,
      flashAttention: options.flashAttention,
      swaFullCache: options.swaFullCache,
    });
    if (estimate.cpuRam + estimate.gpuVram <= budget) return sequences;
  }
  return 1;
}
