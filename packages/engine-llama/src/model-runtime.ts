import { stat } from 'node:fs/promises';
import { readGgufFileInfo, resolveChatWrapper, type ChatWrapper, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type LlamaModelOptions } from 'node-llama-cpp';
import { EngineError } from '@spark/engine';
import { resolveFunctionCallSyntax, type FunctionCallSyntax } from './function-call-syntax.js';
import { withFunctionDocsAfterFirstSystem } from './function-docs-after-first-system.js';
import { chooseContextWindow, type WindowChoice } from './choose-context-window.js';
import { ggmlKvCacheType, type KvCacheTypes } from './kv-cache-type.js';
import { DEFAULT_CONTEXT_SIZE, DEFAULT_SEQUENCES, type ResolvedEngineOptions, type RopeScalingOptions } from './llama-engine-options.js';
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
  /** The window the model was trained on, and the most it may hold (more with rope scaling). */
  readonly trainContextSize: number;
  readonly maxContextSize: number;
  /** Why the window is this size (see WindowChoice). */
  readonly windowReason: WindowChoice['reason'];
  readonly kvCache: KvCacheTypes;
  /** The GGUF file's modification time, in Unix seconds. */
  readonly createdAt: number;
}

/** Loads a GGUF, creates one context with `sequences` sequences and resolves its chat wrapper. */
export async function loadModelRuntime(llama: Llama, spec: { id: string; path: string }, options: ResolvedEngineOptions, tokenizerWorker: TokenizerWorker): Promise<ModelRuntime> {
  let model: LlamaModel | undefined;
  try {
    const createdAt = Math.floor((await stat(spec.path)).mtimeMs / 1000);
    model = await llama.loadModel({ modelPath: spec.path, ...(await ropeOverrides(spec.path, options.ropeScaling)) });
    const loaded = model;
    const trainContextSize = loaded.trainContextSize || DEFAULT_CONTEXT_SIZE;
    const rope = options.ropeScaling;
    const maxContextSize = rope === undefined ? trainContextSize : Math.floor((rope.originalContextSize ?? trainContextSize) * rope.factor);
    if (options.kvCache.value !== 'f16' && !loaded.flashAttentionSupported) {
      throw new EngineError('model_load_failed', `Model ${spec.id} cannot use flash attention in this llama.cpp build, and a quantized V cache (${options.kvCache.value}) needs it: keep the V cache f16.`);
    }
    const kvCacheKeyType = ggmlKvCacheType(options.kvCache.key);
    const kvCacheValueType = ggmlKvCacheType(options.kvCache.value);
    const estimate = async (contextSize: number, sequences: number): Promise<number> => {
      const needs = await loaded.fileInsights.estimateContextResourceRequirementsV2({
        contextSize, sequences, modelGpuLayers: loaded.gpuLayers, flashAttention: options.flashAttention, swaFullCache: options.swaFullCache,
        kvCacheKeyType, kvCacheValueType,
      });
      return needs.cpuRam + needs.gpuVram;
    };
    const window = await chooseContextWindow({
      model: spec.id, trainContextSize, maxContextSize, contextSize: options.contextSize, sequences: options.sequences ?? DEFAULT_SEQUENCES,
      budgetBytes: options.memoryBudgetBytes, weightsBytes: loaded.size, fallbackContextSize: DEFAULT_CONTEXT_SIZE,
    }, estimate);
    const { contextSize, sequences } = window;
    const batcher = new StepBatcher({ backgroundInterval: options.backgroundStepInterval });
    const context = await model.createContext({
      contextSize,
      sequences,
      threads: options.threads,
      flashAttention: options.flashAttention,
      swaFullCache: options.swaFullCache,
      // "Experimental" in node-llama-cpp 3.22: the types pass straight to llama.cpp, which supports
      // q8_0/q4_0 K and (with flash attention) V on CPU; the options check the combination first.
      experimentalKvCacheKeyType: kvCacheKeyType,
      experimentalKvCacheValueType: kvCacheValueType,
    });
    const handles = Array.from({ length: sequences }, (): PooledSequence => ({ sequence: context.getSequence(), gate: new SequenceGate() }));
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
      contextBytes: context.contextSize === contextSize ? window.contextBytes : await estimate(context.contextSize, sequences),
      trainContextSize,
      maxContextSize,
      windowReason: window.reason,
      kvCache: options.kvCache,
      createdAt,
    };
  } catch (cause) {
    await model?.dispose();
    // A refusal that already says why (window, budget, KV types) reaches the operator as it is.
    if (EngineError.is(cause)) throw cause;
    throw new EngineError('model_load_failed', `Could not load model ${spec.id}.`, { cause });
  }
}

/**
 * YaRN as GGUF metadata overrides (`<arch>.rope.scaling.*`), which llama.cpp reads in place of
 * the file's keys when it loads the model's hyperparameters; node-llama-cpp 3.22 has no context
 * option for rope scaling. Its override list tags a JS number by `Number.isInteger`, and
 * llama.cpp ignores (with a warning) an int override of a float key, so an integral factor gets
 * a nudge far below float32's resolution: the tag becomes float and llama.cpp reads the same
 * float32 value (4 + 1e-9 is 4.0f).
 */
async function ropeOverrides(path: string, rope: RopeScalingOptions | undefined): Promise<Pick<LlamaModelOptions, 'metadataOverrides'>> {
  if (rope === undefined) return {};
  const info = await readGgufFileInfo(path, { readTensorInfo: false });
  const architecture = info.metadata.general.architecture;
  const scaling: Record<string, string | number> = {
    type: rope.type,
    factor: Number.isInteger(rope.factor) ? rope.factor + FLOAT_TAG_NUDGE : rope.factor,
    ...(rope.originalContextSize === undefined ? {} : { original_context_length: rope.originalContextSize }),
  };
  // The override type is keyed by architecture name; the GGUF's own name is known only at run time.
  const overrides = { [architecture]: { rope: { scaling } } } as NonNullable<LlamaModelOptions['metadataOverrides']>;
  return { metadataOverrides: overrides };
}

/** Added to an integral float override so node-llama-cpp tags it float; lost in llama.cpp's float32. */
const FLOAT_TAG_NUDGE = 1e-9;
