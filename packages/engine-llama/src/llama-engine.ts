import { getLlama, type Llama, type LlamaContextSequence, type LlamaGrammar } from 'node-llama-cpp';
import { EngineError, type Engine, type EngineEvent, type EngineStats, type GenerateRequest, type ModelInfo } from '@spark/engine';
import { decodeLoop, type PlanGrammars } from './decode-loop.js';
import { functionNameGbnf } from './function-name-grammar.js';
import { planGeneration, type GenerationPlan } from './generation-plan.js';
import { GrammarCache } from './grammar-cache.js';
import { resolveEngineOptions, type LlamaEngineOptions, type ResolvedEngineOptions } from './llama-engine-options.js';
import { loadModelRuntime, type ModelRuntime } from './model-runtime.js';
import { PhaseThreads } from './phase-threads.js';
import { MIN_PREFIX_REUSE_TOKENS } from './pick-sequence-slot.js';

/**
 * The embedded llama.cpp engine (node-llama-cpp): each model loaded once with one context of
 * several sequences; requests go to the idle sequence whose KV cache shares the longest prefix
 * with their prompt, and decode on the low-level sequence API with grammar-constrained tool
 * calls and structured output.
 */
export class LlamaEngine implements Engine {
  readonly name = 'llama';
  private readonly llama: Llama;
  private readonly runtimes: ReadonlyMap<string, ModelRuntime>;
  private readonly options: ResolvedEngineOptions;
  private readonly grammars: GrammarCache;
  private readonly threads: PhaseThreads;
  private kvReuseHits = 0;
  private kvReuseMisses = 0;
  private disposed = false;

  private constructor(llama: Llama, runtimes: ReadonlyMap<string, ModelRuntime>, options: ResolvedEngineOptions) {
    this.llama = llama;
    this.runtimes = runtimes;
    this.options = options;
    this.grammars = new GrammarCache(llama);
    this.threads = new PhaseThreads(llama, options.threads, options.decodeThreads);
  }

  /** Loads every model; throws EngineError 'model_load_failed' (and frees what was loaded) on failure. */
  static async create(options: LlamaEngineOptions): Promise<LlamaEngine> {
    const resolved = resolveEngineOptions(options);
    if (options.models.length === 0) throw new RangeError('LlamaEngine needs at least one model');
    const ids = new Set(options.models.map((spec) => spec.id));
    if (ids.size !== options.models.length) throw new RangeError('LlamaEngine model ids must be unique');

    // Never compile or download at runtime: the prebuilt binary ships with node-llama-cpp.
    const llama = await getLlama({
      gpu: resolved.gpu,
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      maxThreads: resolved.threads,
    });
    const runtimes = new Map<string, ModelRuntime>();
    try {
      for (const spec of options.models) runtimes.set(spec.id, await loadModelRuntime(llama, spec, resolved));
    } catch (error) {
      for (const runtime of runtimes.values()) await disposeRuntime(runtime);
      await llama.dispose();
      throw error;
    }
    return new LlamaEngine(llama, runtimes, resolved);
  }

  listModels(): readonly ModelInfo[] {
    return [...this.runtimes.values()].map((runtime) => ({
      id: runtime.id,
      contextSize: runtime.contextSize,
      ownedBy: 'spark',
      createdAt: runtime.createdAt,
    }));
  }

  stats(): EngineStats {
    let activeSequences = 0;
    for (const runtime of this.runtimes.values()) activeSequences += runtime.pool.active;
    return { activeSequences, kvReuseHits: this.kvReuseHits, kvReuseMisses: this.kvReuseMisses };
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    if (this.disposed) throw new EngineError('internal', 'The engine has been disposed.');
    const runtime = this.runtimes.get(request.model);
    if (!runtime) throw new EngineError('model_not_found', `Unknown model ${request.model}`, { param: 'model' });
    const plan = planGeneration(runtime, request);
    return this.run(runtime, plan, request);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const runtime of this.runtimes.values()) runtime.pool.close(new EngineError('internal', 'The engine was disposed.'));
    for (const runtime of this.runtimes.values()) await disposeRuntime(runtime);
    await this.llama.dispose();
  }

  private async *run(runtime: ModelRuntime, plan: GenerationPlan, request: GenerateRequest): AsyncGenerator<EngineEvent, void, undefined> {
    const grammars = await this.compileGrammars(runtime, plan);
    const lease = await runtime.pool.acquire(plan.promptTokens, request.cacheKey, request.signal);
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
    try {
      yield* decodeLoop({
        sequence: lease.sequence,
        model: runtime.model,
        plan,
        grammars,
        syntax: runtime.syntax,
        reusablePrefix: lease.commonPrefix,
        prefillChunkTokens: this.options.prefillChunkTokens,
        sampling: request.sampling,
        signal: request.signal,
        beginPrefill: () => this.threads.beginPrefill(),
        onPrompt: (cached) => {
          // The template's first tokens are shared by every prompt; a hit must save real work.
          if (cached >= MIN_PREFIX_REUSE_TOKENS) this.kvReuseHits += 1;
          else this.kvReuseMisses += 1;
        },
      });
    } catch (error) {
      throw EngineError.is(error) ? error : new EngineError('internal', `Generation on model ${runtime.id} failed.`, { cause: error });
    } finally {
      runtime.pool.release(lease, cachedTokens(lease.sequence), request.cacheKey);
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
    const callArguments = plan.callNames.map(async (name): Promise<[string, LlamaGrammar]> => {
      const tool = plan.tools.get(name);
      if (!tool) throw new EngineError('invalid_request', `Unknown tool ${name}`, { param: 'tool_choice' });
      return [name, await this.grammars.jsonSchema(tool.schema, `tools.${name}.parameters`)];
    });
    const [textGrammar, nameGrammar, argumentGrammars] = await Promise.all([text, callName, Promise.all(callArguments)]);
    return { text: textGrammar, callName: nameGrammar, callArguments: new Map(argumentGrammars) };
  }
}

/** What the sequence's KV cache holds now, as the pool's prefix-match input. */
function cachedTokens(sequence: LlamaContextSequence): readonly number[] {
  return sequence.disposed ? [] : sequence.contextTokens;
}

async function disposeRuntime(runtime: ModelRuntime): Promise<void> {
  await runtime.context.dispose();
  await runtime.model.dispose();
}
