import { getLlama, type Llama, type LlamaContextSequence, type LlamaGrammar, type Token } from 'node-llama-cpp';
import {
  EngineError, type Engine, type EngineStats, type GenerateRequest, type ModelInfo,
} from '@spark/engine';
import { BatchLimitCache, type BatchLimitSetup } from './batch-limit-cache.js';
import { readContinuation } from './continuation-state.js';
import type { WindowChoice } from './choose-context-window.js';
import { copySequencePrefix } from './copy-sequence-prefix.js';
import { decodeLoop, type PlanGrammars } from './decode-loop.js';
import { functionNameGbnf } from './function-name-grammar.js';
import { planGeneration, type GenerationPlan } from './generation-plan.js';
import { generationState } from './generation-state.js';
import { restoreEngineBuild } from './engine-build/engine-build.js';
import { describeLlamaBuild } from './llama-build.js';
import { GrammarCache } from './grammar-cache.js';
import type { LlamaEngineEvent, LlamaGenerationState } from './llama-engine-event.js';
import { MAX_VERIFY_BATCH_TOKENS, resolveEngineOptions, type LlamaEngineOptions, type ResolvedEngineOptions } from './llama-engine-options.js';
import { loadModelRuntime, type ModelRuntime, type PooledSequence } from './model-runtime.js';
import { DEFAULT_CANDIDATES, probeNextTokenCandidates, type NextTokenCandidates, type NextTokenCandidatesOptions } from './next-token-candidates.js';
import { tuneOpenMpWait } from './openmp-wait.js';
import type { KvCacheTypes } from './kv-cache-type.js';
import { OutputItems } from './output-items.js';
import { PhaseThreads } from './phase-threads.js';
import { commonPrefixLength, MIN_PREFIX_REUSE_TOKENS } from './pick-sequence-slot.js';
import { prefillOnlyLoop } from './prefill-only-loop.js';
import { SequenceGate } from './sequence-gate.js';
import type { SequenceLease } from './sequence-pool.js';
import { SpeculationMemory, Speculator } from './speculator.js';
import { TokenizerWorker } from './tokenizer/tokenizer-worker.js';
import { measureVerifyBatchLimit, VERIFY_PROBE_ID } from './verify-batch-limit.js';

const NO_GRAMMARS: PlanGrammars = { text: undefined, callName: undefined, callArguments: new Map() };

/**
 * The embedded llama.cpp engine (node-llama-cpp): each model loaded once with one context of
 * several sequences; requests go to the idle sequence whose KV cache shares the longest prefix
 * with their prompt (or copy it from a busy one), and decode on the low-level sequence API with
 * grammar-constrained tool calls and structured output. Every generation that got past its
 * prefill finishes with a `state` that a continuation (`continueFrom`) extends without
 * re-rendering or re-tokenizing the history. Reasoning items in a conversation are dropped: the
 * chat templates it renders have no place for them.
 */
/** What one loaded model holds in memory and why its window has the size it has (for the start report). */
export interface ModelMemory {
  readonly id: string;
  readonly weightsBytes: number;
  readonly contextBytes: number;
  readonly sequences: number;
  readonly contextSize: number;
  readonly trainContextSize: number;
  readonly maxContextSize: number;
  readonly windowReason: WindowChoice['reason'];
  readonly kvCache: KvCacheTypes;
  readonly memoryBudgetBytes: number | undefined;
}

export class LlamaEngine implements Engine {
  readonly name = 'llama';
  private readonly llama: Llama;
  private readonly runtimes: ReadonlyMap<string, ModelRuntime>;
  private readonly options: ResolvedEngineOptions;
  private readonly tokenizerWorker: TokenizerWorker;
  private readonly grammars: GrammarCache;
  private readonly threads: PhaseThreads;
  /** Measured step costs and draft acceptance per model id, for speculative decoding. */
  private readonly speculationMemory = new Map<string, SpeculationMemory>();
  /** Most tokens a verification batch may hold, per model id (measured at load against speculationTolerance). */
  private readonly batchLimits = new Map<string, number>();
  private kvReuseHits = 0;
  private kvReuseMisses = 0;
  private disposed = false;

  private constructor(llama: Llama, runtimes: ReadonlyMap<string, ModelRuntime>, options: ResolvedEngineOptions, tokenizerWorker: TokenizerWorker) {
    this.llama = llama;
    this.tokenizerWorker = tokenizerWorker;
    this.runtimes = runtimes;
    this.options = options;
    this.grammars = new GrammarCache(llama);
    this.threads = new PhaseThreads(llama, options.threads, options.decodeThreads, options.verifyThreads);
  }

  /** Loads every model; throws EngineError 'model_load_failed' (and frees what was loaded) on failure. */
  static async create(options: LlamaEngineOptions): Promise<LlamaEngine> {
    const requested = resolveEngineOptions(options);
    if (options.models.length === 0) throw new RangeError('LlamaEngine needs at least one model');
    const ids = new Set(options.models.map((spec) => spec.id));
    if (ids.size !== options.models.length) throw new RangeError('LlamaEngine model ids must be unique');

    // Never compile or download at runtime: a local build (`spark engine build`, restored from
    // Spark's cache after `npm ci`) when there is one for this machine, else the prebuilt binary.
    await restoreEngineBuild().catch(() => false);
    tuneOpenMpWait();
    const llama = await getLlama({
      gpu: requested.gpu,
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      maxThreads: requested.threads,
    });
    const resolved = resolveEngineOptions(options, hasThreadPool(llama));
    const runtimes = new Map<string, ModelRuntime>();
    const tokenizerWorker = new TokenizerWorker({ gpu: llama.gpu });
    try {
      for (const spec of options.models) runtimes.set(spec.id, await loadModelRuntime(llama, spec, resolved, tokenizerWorker));
    } catch (error) {
      for (const runtime of runtimes.values()) await disposeRuntime(runtime);
      await tokenizerWorker.close();
      await llama.dispose();
      throw error;
    }
    const engine = new LlamaEngine(llama, runtimes, resolved, tokenizerWorker);
    try {
      await engine.measureBatchLimits();
    } catch (cause) {
      await engine.dispose();
      throw new EngineError('model_load_failed', 'Could not measure the verification batch limit.', { cause });
    }
    return engine;
  }

  /**
   * The largest verification batch per model: measured (or read from the batch limit cache)
   * unless speculation is off or any batch will do.
   */
  private async measureBatchLimits(): Promise<void> {
    const { speculation, speculationTolerance, batchLimitCacheFile } = this.options;
    const cache = batchLimitCacheFile === undefined ? undefined : new BatchLimitCache(batchLimitCacheFile);
    const build = this.build;
    for (const runtime of this.runtimes.values()) {
      if (!speculation || speculationTolerance === Infinity) {
        this.batchLimits.set(runtime.id, MAX_VERIFY_BATCH_TOKENS);
        continue;
      }
      const lease = await runtime.pool.acquire([], undefined, new AbortController().signal);
      if (!lease) throw new Error('no idle sequence at load');
      try {
        // A cache that cannot drop a rejected tail never speculates (see speculatorFor), nor can the probe run on it.
        if (cannotCutTail(lease.sequence.sequence)) {
          this.batchLimits.set(runtime.id, 1);
          continue;
        }
        const setup: BatchLimitSetup = {
          modelPath: runtime.path, build, decodeThreads: this.options.decodeThreads, verifyThreads: this.options.verifyThreads,
          flashAttention: this.options.flashAttention, tolerance: speculationTolerance, maxBatchTokens: MAX_VERIFY_BATCH_TOKENS, probe: VERIFY_PROBE_ID,
        };
        const cached = await cache?.get(setup);
        const limit = cached ?? await measureVerifyBatchLimit({
          sequence: lease.sequence.sequence, gate: lease.sequence.gate, model: runtime.model, maxBatchTokens: MAX_VERIFY_BATCH_TOKENS, tolerance: speculationTolerance,
          beginVerify: () => this.threads.beginVerify(),
        });
        if (cached === undefined) await cache?.set(setup, limit);
        this.batchLimits.set(runtime.id, limit);
      } finally {
        runtime.pool.release(lease, [], undefined);
      }
    }
  }

  /** The llama.cpp build and CPU this engine's kernels run on (see describeLlamaBuild). */
  get build(): string {
    return describeLlamaBuild(this.llama);
  }

  /**
   * Which binaries the kernels run on: 'localBuild' (compiled here with OpenMP's persistent
   * thread pool, `spark engine build`) or 'prebuilt' (a new set of threads per evaluation).
   */
  get buildType(): 'localBuild' | 'prebuilt' {
    return this.llama.buildType;
  }

  /** What each loaded model holds in memory: weights, and the context's KV cache and buffers (estimated). */
  memory(): ModelMemory[] {
    return [...this.runtimes.values()].map((runtime) => ({
      id: runtime.id, weightsBytes: runtime.weightsBytes, contextBytes: runtime.contextBytes, sequences: runtime.sequences, contextSize: runtime.contextSize,
      trainContextSize: runtime.trainContextSize, maxContextSize: runtime.maxContextSize, windowReason: runtime.windowReason, kvCache: runtime.kvCache,
      memoryBudgetBytes: this.options.memoryBudgetBytes,
    }));
  }

  /** CPU threads per phase, with the defaults for this build applied (see LlamaEngineOptions). */
  get threadCounts(): { readonly prefill: number; readonly decode: number; readonly verify: number } {
    return { prefill: this.options.threads, decode: this.options.decodeThreads, verify: this.options.verifyThreads };
  }

  /** Most tokens one verification batch holds on model `id` (1 = no speculation). */
  verifyBatchLimit(id: string): number | undefined {
    return this.batchLimits.get(id);
  }

  listModels(): readonly ModelInfo[] {
    return [...this.runtimes.values()].map((runtime) => ({
      id: runtime.id,
      contextSize: runtime.contextSize,
      sequences: runtime.sequences,
      ownedBy: 'spark',
      createdAt: runtime.createdAt,
    }));
  }

  /** Always with `prefixCache`: this engine keeps the KV cache it matches prompts against. */
  stats(): Required<EngineStats> {
    let activeSequences = 0;
    for (const runtime of this.runtimes.values()) activeSequences += runtime.pool.active;
    return { activeSequences, prefixCache: { hits: this.kvReuseHits, misses: this.kvReuseMisses } };
  }

  /** Validation failures (see planGeneration) reject the first `next()`, before any event. */
  generate(request: GenerateRequest): AsyncIterable<LlamaEngineEvent> {
    return this.planAndRun(request);
  }

  private async *planAndRun(request: GenerateRequest): AsyncGenerator<LlamaEngineEvent, void, undefined> {
    const { runtime, plan } = await this.planRequest(request);
    yield* this.run(runtime, plan, request);
  }

  /** The request's model and generation plan; rejects with EngineError for a disposed engine, an unknown model, a foreign continuation or a bad request. */
  private async planRequest(request: GenerateRequest): Promise<{ runtime: ModelRuntime; plan: GenerationPlan }> {
    if (this.disposed) throw new EngineError('internal', 'The engine has been disposed.');
    const runtime = this.runtimes.get(request.model);
    if (!runtime) throw new EngineError('model_not_found', `Unknown model ${request.model}`, { param: 'model' });
    const from = request.continueFrom && readContinuation(request.continueFrom, { engine: this.name, model: runtime.id, modelPath: runtime.path });
    return { runtime, plan: await planGeneration(runtime, request, from) };
  }

  /**
   * The most likely next tokens after the request's prompt (rendered as `generate` renders it)
   * and `outputText`, with the output evaluated one token per step (plain decoding) and in one
   * batch (a speculative verification step): explains where greedy outputs of the two differ.
   * Probabilities are the model's raw softmax, without the request's sampling or grammars. Uses
   * a sequence of the engine's pool like a generation; rejects with the signal's reason on abort.
   */
  async nextTokenCandidates(request: GenerateRequest, outputText: string, options: NextTokenCandidatesOptions = {}): Promise<NextTokenCandidates> {
    const { runtime, plan } = await this.planRequest(request);
    if (plan.prefillOnly) throw new EngineError('invalid_request', 'A prefill-only request has no next token.', { param: 'generate' });
    const signal = options.signal ?? request.signal;
    const lease = await runtime.pool.acquire(plan.promptTokens, request.cacheKey, signal);
    if (!lease) {
      signal.throwIfAborted();
      throw new EngineError('internal', 'No sequence was lent.');
    }
    const { sequence, gate } = lease.sequence;
    try {
      return await probeNextTokenCandidates({
        sequence, gate, model: runtime.model, promptTokens: plan.promptTokens, outputText, prefillChunkTokens: this.options.prefillChunkTokens,
        top: options.top ?? DEFAULT_CANDIDATES, commonPrefixWith: options.commonPrefixWith, verifyBatchTokens: options.verifyBatchTokens, signal,
        beginPrefill: () => this.threads.beginPrefill(), beginVerify: () => this.threads.beginVerify(),
      });
    } finally {
      runtime.pool.release(lease, cachedTokens(sequence), request.cacheKey);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const runtime of this.runtimes.values()) runtime.pool.close(new EngineError('internal', 'The engine was disposed.'));
    for (const runtime of this.runtimes.values()) await disposeRuntime(runtime);
    await this.tokenizerWorker.close();
    await this.llama.dispose();
  }

  private async *run(runtime: ModelRuntime, plan: GenerationPlan, request: GenerateRequest): AsyncGenerator<LlamaEngineEvent, void, undefined> {
    const grammars = plan.prefillOnly ? NO_GRAMMARS : await this.compileGrammars(runtime, plan);
    const lease = await runtime.pool.acquire(plan.promptTokens, request.cacheKey, request.signal, request.priority ?? 'foreground');
    if (!lease) {
      // Aborted while waiting for a sequence: a normal, empty ending.
      yield { type: 'prompt', inputTokens: plan.promptTokens.length, cachedInputTokens: 0 };
      yield {
        type: 'finish',
        reason: 'aborted',
        usage: { inputTokens: plan.promptTokens.length, cachedInputTokens: 0, outputTokens: 0 },
        timings: { prefillMs: 0, prefillTokens: 0, decodeMs: 0, decodeTokens: 0, decodeTokensPerSecond: 0 },
      };
      return;
    }
    const { sequence, gate } = lease.sequence;
    try {
      const common = {
        sequence,
        gate,
        plan,
        batcher: runtime.batcher,
        priority: this.options.priorities ? request.priority ?? 'foreground' : 'foreground',
        reusablePrefix: !this.options.prefixReuse ? 0 : lease.copyFrom ? await this.copyPrefix(lease, plan) : lease.commonPrefix,
        prefillChunkTokens: this.options.prefillChunkTokens,
        signal: request.signal,
        beginPrefill: () => this.threads.beginPrefill(),
        beginVerify: () => this.threads.beginVerify(),
        onPrompt: (cached: number) => {
          // The template's first tokens are shared by every prompt; a hit must save real work.
          if (cached >= MIN_PREFIX_REUSE_TOKENS) this.kvReuseHits += 1;
          else this.kvReuseMisses += 1;
        },
      };
      const speculator = this.speculatorFor(runtime, plan, request, sequence);
      const events = plan.prefillOnly ? prefillOnlyLoop(common)
        : decodeLoop({
          ...common, model: runtime.model, grammars, syntax: runtime.syntax, sampling: request.sampling,
          ...(speculator ? { speculator } : {}),
          ...(this.options.repeatPenalty ? { repeatPenalty: this.options.repeatPenalty } : {}),
          ...(this.options.dryRepeatPenalty ? { dryRepeatPenalty: this.options.dryRepeatPenalty } : {}),
        });
      const output = new OutputItems();
      for await (const event of events) {
        if (event.type !== 'finish') {
          output.observe(event);
          yield event;
          continue;
        }
        const state = this.stateAfter(runtime, plan, sequence, output);
        yield state ? { ...event, state } : event;
      }
    } catch (error) {
      throw EngineError.is(error) ? error : new EngineError('internal', `Generation on model ${runtime.id} failed.`, { cause: error });
    } finally {
      runtime.pool.release(lease, cachedTokens(sequence), request.cacheKey);
    }
  }

  /**
   * Forks: copies the KV prefix the pool expects another sequence (usually one busy with an
   * earlier turn of the same history) to share with the prompt into the leased sequence, with
   * both sequences between evaluation steps. Returns the prompt tokens the leased sequence
   * holds afterwards. Skips the copy when the source does not (yet, or any more) hold enough.
   */
  private async copyPrefix(lease: SequenceLease<PooledSequence>, plan: GenerationPlan): Promise<number> {
    const source = lease.copyFrom;
    const target = lease.sequence.sequence;
    // A cache that cannot be cut at any token (sliding window without the full cache, recurrent
    // state) cannot keep just a prefix of a copy.
    if (!source || target.needsCheckpoints) return lease.commonPrefix;
    const prompt = plan.promptTokens;
    // A generation must evaluate its last prompt token itself (its logits pick the first output).
    const limit = plan.prefillOnly ? prompt.length : prompt.length - 1;
    return SequenceGate.runBoth({ gate: lease.sequence.gate, order: lease.slot }, { gate: source.sequence.gate, order: source.slot }, async () => {
      const held = commonPrefixLength(cachedTokens(target), prompt);
      const available = Math.min(commonPrefixLength(cachedTokens(source.sequence.sequence), prompt), limit);
      if (available - held < this.options.kvCopyMinTokens) return held;
      try {
        const copy = await copySequencePrefix(target, source.sequence.sequence, available);
        if (!copy) return commonPrefixLength(cachedTokens(target), prompt);
        this.options.onKvCopy?.(copy);
        return copy.tokens;
      } catch {
        // A failed copy only costs the prefill it would have saved.
        await target.clearHistory();
        return 0;
      }
    });
  }

  /**
   * Speculative decoding for a generation that can use it: greedy sampling (a draft is accepted
   * only where it equals the argmax, of the grammar-constrained distribution under a grammar:
   * structured output, tool calls, custom tools' grammars); a cache that cannot drop a rejected tail
   * (recurrent state) does not speculate, nor does one with a repetition penalty (drafts are
   * checked against the unpenalized argmax). Window-sized sliding-window caches do: a rejected
   * tail lies in the batch just decoded, and cutting there is exact (`windowSafePrefix`).
   */
  private speculatorFor(runtime: ModelRuntime, plan: GenerationPlan, request: GenerateRequest, sequence: LlamaContextSequence): Speculator | undefined {
    const { speculation, promptLookup, maxDraftTokens } = this.options;
    const penalized = this.options.repeatPenalty !== undefined || this.options.dryRepeatPenalty !== undefined;
    if (!speculation || penalized || (this.batchLimits.get(runtime.id) ?? 0) < 2 || plan.prefillOnly || request.sampling.temperature !== 0 || cannotCutTail(sequence)) return undefined;
    const prediction = plan.predictionTokens;
    if (!promptLookup && !prediction?.length) return undefined;
    let memory = this.speculationMemory.get(runtime.id);
    if (!memory) {
      memory = new SpeculationMemory();
      this.speculationMemory.set(runtime.id, memory);
    }
    return new Speculator({
      promptTokens: plan.promptTokens, ...(prediction ? { predictionTokens: prediction } : {}), lookup: promptLookup, memory, maxDraftTokens,
      maxBatchTokens: this.batchLimits.get(runtime.id) ?? MAX_VERIFY_BATCH_TOKENS,
    });
  }

  /** The finish state of a generation; none when it ended before its prompt was evaluated. */
  private stateAfter(runtime: ModelRuntime, plan: GenerationPlan, sequence: LlamaContextSequence, output: OutputItems): LlamaGenerationState | undefined {
    try {
      return generationState({
        owner: { engine: this.name, model: runtime.id, modelPath: runtime.path },
        target: runtime,
        plan,
        cached: cachedTokens(sequence),
        output: output.items(),
      });
    } catch {
      // A state only saves work later; its absence makes the next turn resend its history.
      return undefined;
    }
  }

  /** Compiles (or reuses) every grammar the plan may switch to, so bad schemas fail up front. */
  private async compileGrammars(runtime: ModelRuntime, plan: GenerationPlan): Promise<PlanGrammars> {
    const text = plan.textGrammar === undefined ? undefined
      : plan.textGrammar.type === 'json_object' ? this.grammars.anyJsonObject()
      : this.grammars.jsonSchema(plan.textGrammar.schema, 'text.format.schema');
    const callName = plan.callNames.length === 0 ? undefined
      : this.grammars.gbnf(functionNameGbnf({
        names: plan.callNames,
        paramsPrefix: (name) => runtime.syntax.paramsPrefixString(name),
        optionalPrefixSpace: runtime.syntax.optionalPrefixSpace,
      }), 'tools');
    // A custom tool without a grammar (text format) takes its input unconstrained: no entry.
    const callArguments = plan.callNames.map(async (name): Promise<[string, LlamaGrammar] | undefined> => {
      const tool = plan.tools.get(name);
      if (!tool) throw new EngineError('invalid_request', `Unknown tool ${name}`, { param: 'tool_choice' });
      if (tool.kind === 'custom') return tool.gbnf === undefined ? undefined : [name, await this.grammars.gbnf(tool.gbnf, `tools.${name}.format`)];
      return [name, await this.grammars.jsonSchema(tool.schema, `tools.${name}.parameters`)];
    });
    const [textGrammar, nameGrammar, argumentGrammars] = await Promise.all([text, callName, Promise.all(callArguments)]);
    return { text: textGrammar, callName: nameGrammar, callArguments: new Map(argumentGrammars.filter((entry) => entry !== undefined)) };
  }
}

/** What the sequence's KV cache holds now, as the pool's prefix-match input. */
function cachedTokens(sequence: LlamaContextSequence): readonly Token[] {
  return sequence.disposed ? [] : sequence.contextTokens;
}

async function disposeRuntime(runtime: ModelRuntime): Promise<void> {
  await runtime.context.dispose();
  await runtime.model.dispose();
}

/** Whether ggml runs on OpenMP's persistent threads (a local build), not a pool made per evaluation. */
function hasThreadPool(llama: Llama): boolean {
  return /\bOPENMP = 1\b/.test(llama.systemInfo);
}

/** Recurrent and hybrid state cannot drop a rejected draft's tokens (it is one state, not cells per position). */
function cannotCutTail(sequence: LlamaContextSequence): boolean {
  const insights = sequence.model.fileInsights;
  return insights.isRecurrent || insights.isHybrid;
}
