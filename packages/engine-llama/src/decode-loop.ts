import {
  LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaContextSequenceDryRepeatPenalty, type LlamaContextSequenceRepeatPenalty,
  type LlamaGrammar, type LlamaModel, type Token,
} from 'node-llama-cpp';
import type { FinishReason, GenerationPriority, SamplingOptions } from '@spark/engine';
import { createCallId } from './create-call-id.js';
import type { LlamaEngineEvent, LlamaFinishEvent } from './llama-engine-event.js';
import { DEFAULT_REPEAT_LAST_TOKENS, type DryRepeatPenaltyOptions, type RepeatPenaltyOptions } from './llama-engine-options.js';
import type { FunctionCallSyntax } from './function-call-syntax.js';
import type { GenerationPlan } from './generation-plan.js';
import { OutputParser, type GrammarSlot } from './output-parser.js';
import { prefillChunks } from './prefill-chunks.js';
import type { SequenceGate } from './sequence-gate.js';
import type { Draft, Speculator } from './speculator.js';
import type { StepBatcher } from './step-batcher.js';
import { fitDraftToGrammar, stopWith, verifyStep, type DecodeProgress, type VerifyStepContext } from './verify-step.js';
import { windowSafePrefix } from './window-safe-prefix.js';

/** Prompt tokens given to the detokenizer as context for the first output tokens. */
const PROMPT_TAIL_TOKENS = 8;

/** Compiled grammars one generation may switch between. */
export interface PlanGrammars {
  readonly text: LlamaGrammar | undefined;
  readonly callName: LlamaGrammar | undefined;
  readonly callArguments: ReadonlyMap<string, LlamaGrammar>;
}

export interface DecodeLoopOptions {
  readonly sequence: LlamaContextSequence;
  /** Every evaluation step on `sequence` runs through it (a KV copy may read the sequence). */
  readonly gate: SequenceGate;
  readonly model: LlamaModel;
  readonly plan: GenerationPlan;
  readonly grammars: PlanGrammars;
  readonly syntax: FunctionCallSyntax;
  /** Prompt tokens the pool found already cached in this sequence. */
  readonly reusablePrefix: number;
  readonly prefillChunkTokens: number;
  readonly sampling: SamplingOptions;
  readonly signal: AbortSignal;
  /** Called once the cached prefix is known, just before the `prompt` event. */
  readonly onPrompt?: (cachedInputTokens: number) => void;
  /** Marks the prefill phase (for per-phase thread counts); returns its end callback. */
  readonly beginPrefill?: () => () => void;
  /** Marks a verification batch (for per-phase thread counts); returns its end callback. */
  readonly beginVerify?: () => () => void;
  /**
   * Continuous batching and priorities (StepBatcher): marks the prefill and the token-by-token
   * phase, lines up each step with the other generations', and holds a background generation's
   * batches until its turn.
   */
  readonly batcher?: Pick<StepBatcher, 'enterStepping' | 'nextStep' | 'nextBatch' | 'beginPrefill'>;
  /** Default 'foreground'. */
  readonly priority?: GenerationPriority;
  /**
   * Speculative decoding for this generation (greedy, with or without a grammar): drafts are
   * verified in one batch whenever the speculator expects that to pay; absent = plain steps only.
   */
  readonly speculator?: Speculator;
  /** llama.cpp's repetition penalty over the sequence's last tokens (prompt included, as llama-server does). */
  readonly repeatPenalty?: RepeatPenaltyOptions;
  readonly dryRepeatPenalty?: DryRepeatPenaltyOptions;
}

/**
 * One generation on one sequence: keeps the reusable KV prefix, prefills the rest in chunks
 * (abortable between them), then samples token by token through `OutputParser`, checking the
 * abort signal after every token; where the speculator expects a draft to pay, a step is a
 * verification batch instead (`verifyStep`). Yields `prompt`, the output events and exactly one
 * `finish`.
 * The caller owns the sequence and must release it when this generator ends, however it ends.
 */
export async function* decodeLoop(options: DecodeLoopOptions): AsyncGenerator<LlamaEngineEvent, void, undefined> {
  const { sequence, gate, model, plan, signal, speculator, batcher } = options;
  const priority = options.priority ?? 'foreground';
  // A background generation's batches besides its token steps wait for their turn; the foreground's never wait.
  const turn = batcher && priority === 'background' ? () => batcher.nextBatch(priority) : undefined;
  const prompt = plan.promptTokens;

  // Keep the shared prefix, but always evaluate at least the last prompt token: its logits
  // are what the first output token is sampled from.
  const reuse = Math.max(0, Math.min(options.reusablePrefix, prompt.length - 1));
  // The foreground's prefill holds the background back from before its `prompt` event, so a
  // background token after that event is at most the step already in flight.
  const endScheduledPrefill = batcher?.beginPrefill(priority) ?? noop;
  let prompted = false;
  let cached = 0;
  try {
    await gate.run(() => sequence.adaptStateToTokens(windowSafePrefix(sequence, prompt.slice(0, reuse)), false));
    cached = sequence.nextTokenIndex;
    options.onPrompt?.(cached);
    yield { type: 'prompt', inputTokens: prompt.length, cachedInputTokens: cached };
    prompted = true;
  } finally {
    if (!prompted) endScheduledPrefill();
  }

  const parser = new OutputParser<LlamaGrammarEvaluationState>({
    detokenize: (tokens, lastTokens) => model.detokenize(tokens as Token[], true, lastTokens as Token[]),
    tokenize: (text) => model.tokenize(text, false, 'trimLeadingSpace'),
    suffixTokens: (name) => options.syntax.suffixTokens(name),
    grammarFor: (slot) => grammarState(model, options.grammars, slot),
    createCallId,
    promptTail: prompt.slice(-PROMPT_TAIL_TOKENS),
    stopTexts: plan.stopTexts,
    callPrefixes: options.syntax.prefixes,
    optionalPrefixSpace: options.syntax.optionalPrefixSpace,
    paramsPrefix: (name) => options.syntax.paramsPrefixString(name),
    tools: plan.tools,
    callNames: plan.callNames,
    start: plan.start,
    detectCallsInText: plan.detectCallsInText,
    parallelToolCalls: plan.parallelToolCalls,
    jsonText: plan.textGrammar !== undefined,
  });

  const progress: DecodeProgress = { outputTokens: 0, decodeMs: 0, leaveStepping: noop };
  let prefillMs = 0;
  const prefillStarted = performance.now();
  const finish = (reason: FinishReason): LlamaFinishEvent => {
    const { outputTokens, decodeMs } = progress;
    const decodeTokens = Math.max(0, outputTokens - 1);
    return {
      type: 'finish',
      reason,
      usage: { inputTokens: prompt.length, cachedInputTokens: cached, outputTokens, ...speculator?.predictionUsage() },
      timings: {
        prefillMs,
        prefillTokens: prompt.length - cached,
        decodeMs,
        decodeTokens,
        decodeTokensPerSecond: decodeMs > 0 && decodeTokens > 0 ? (decodeTokens * 1000) / decodeMs : 0,
      },
      ...(speculator ? { metadata: { llama: { speculation: speculator.timings() } } } : {}),
    };
  };

  const endPrefill = both(options.beginPrefill?.(), endScheduledPrefill);
  let next: number;
  try {
    next = await prefillChunks(sequence, gate, prompt, cached, options.prefillChunkTokens, signal, turn);
  } catch (error) {
    endPrefill();
    throw error;
  }
  if (signal.aborted) {
    endPrefill();
    prefillMs = performance.now() - prefillStarted;
    yield finish('aborted');
    return;
  }

  const tokens = sequence.evaluate(prompt.slice(next), {
    temperature: options.sampling.temperature,
    ...(options.sampling.topP === undefined ? {} : { topP: options.sampling.topP }),
    ...(options.sampling.seed === undefined ? {} : { seed: options.sampling.seed }),
    grammarEvaluationState: () => parser.grammar,
    yieldEogToken: false,
    ...penalties(sequence, options.repeatPenalty, options.dryRepeatPenalty),
  });
  /** Erases everything the sequence holds past `length` tokens (a verification's unused tail). */
  const truncate = async (length: number): Promise<void> => {
    if (sequence.nextTokenIndex > length) await gate.run(() => sequence.eraseContextTokenRanges([{ start: length, end: sequence.nextTokenIndex }]));
  };
  const verification: VerifyStepContext | undefined = speculator && {
    sequence, gate, model, parser, speculator, signal, maxOutputTokens: plan.maxOutputTokens, progress, finish, truncate,
    ...(options.beginVerify ? { beginVerify: options.beginVerify } : {}),
    ...(batcher ? { batcher, priority } : {}),
  };
  try {
    // What the next step evaluates: a parser's injected tokens, or the last sampled token. After
    // a verification step the generator's own idea of its last token is stale, so it is explicit.
    let input: Token[] | undefined;
    /** A verification left the next token to a plain step (the grammar ruled out the model's choice). */
    let plainNext = false;
    for (;;) {
      const pending: Token[] | undefined = progress.outputTokens > 0 && speculator && !plainNext ? input : undefined;
      plainNext = false;
      // Output room (the step's own token comes on top of the draft) and context room, so a
      // verification batch never makes llama.cpp shift the context.
      const room = Math.min(plan.maxOutputTokens - progress.outputTokens - 1, sequence.contextSize - 2 - sequence.nextTokenIndex - (pending?.length ?? 0));
      const planned: Draft | undefined = pending && speculator ? speculator.plan(pending.length, room) : undefined;
      const draft: Draft | undefined = planned && fitDraftToGrammar(planned, parser.grammar);
      if (pending && verification && draft) {
        const next: { input: Token[]; plain: boolean } | undefined = yield* verifyStep(verification, pending, draft);
        if (next === undefined) return;
        input = next.input;
        plainNext = next.plain;
        continue;
      }

      // The first step evaluates the prompt's last chunk: a batch, not a token step.
      const stepped = progress.outputTokens > 0 ? await batcher?.nextStep(priority) : await turn?.();
      const started = performance.now();
      let step: IteratorResult<Token, void>;
      try {
        step = await gate.run(() => tokens.next(input));
      } finally {
        stepped?.();
      }
      const elapsed = performance.now() - started;
      if (progress.outputTokens === 0) {
        prefillMs = performance.now() - prefillStarted;
        // Stepping before the prefill ends, so the background never sees the foreground idle in between.
        progress.leaveStepping = batcher?.enterStepping(priority) ?? noop;
        endPrefill();
      }
      else if (!step.done) progress.decodeMs += elapsed;
      if (step.done === true) {
        const ended = parser.end();
        yield* ended.events;
        yield finish(ended.reason);
        return;
      }
      // Abort wins over the token that was in flight: nothing sampled after it is shown.
      if (signal.aborted) {
        yield* stopWith(parser, 'aborted', finish);
        return;
      }
      speculator?.plainStep(step.value, elapsed, progress.outputTokens > 0 && (input?.length ?? 1) === 1);
      progress.outputTokens += 1;
      const result = parser.accept(step.value);
      yield* result.events;
      if (result.stop) {
        yield finish(result.stop);
        return;
      }
      input = (result.inject as Token[] | undefined) ?? [step.value];
      // Stop before llama.cpp would shift the context: the conversation no longer fits.
      const contextFull = sequence.nextTokenIndex + input.length > sequence.contextSize - 1;
      if (progress.outputTokens >= plan.maxOutputTokens || contextFull) {
        yield* stopWith(parser, 'length', finish);
        return;
      }
      if (signal.aborted) {
        yield* stopWith(parser, 'aborted', finish);
        return;
      }
    }
  } finally {
    endPrefill();
    progress.leaveStepping();
    await tokens.return();
  }
}

function noop(): void {}

/** One end callback for two. */
function both(first: (() => void) | undefined, second: () => void): () => void {
  return () => {
    first?.();
    second();
  };
}

function grammarState(model: LlamaModel, grammars: PlanGrammars, slot: GrammarSlot): LlamaGrammarEvaluationState | undefined {
  const grammar = slot.type === 'text' ? grammars.text
    : slot.type === 'call-name' ? grammars.callName
    : grammars.callArguments.get(slot.name);
  return grammar ? new LlamaGrammarEvaluationState({ model, grammar }) : undefined;
}

/** The evaluate options for the configured penalties. */
function penalties(
  sequence: LlamaContextSequence, repeat: RepeatPenaltyOptions | undefined, dry: DryRepeatPenaltyOptions | undefined,
): { repeatPenalty?: LlamaContextSequenceRepeatPenalty; dryRepeatPenalty?: LlamaContextSequenceDryRepeatPenalty } {
  const lastTokens = repeat?.lastTokens ?? DEFAULT_REPEAT_LAST_TOKENS;
  return {
    ...(repeat === undefined ? {} : {
      repeatPenalty: {
        punishTokens: () => sequence.contextTokens.slice(-lastTokens),
        maxPunishTokens: lastTokens,
        penalty: repeat.penalty,
        ...(repeat.frequencyPenalty === undefined ? {} : { frequencyPenalty: repeat.frequencyPenalty }),
        ...(repeat.presencePenalty === undefined ? {} : { presencePenalty: repeat.presencePenalty }),
      },
    }),
    ...(dry === undefined ? {} : {
      dryRepeatPenalty: {
        strength: dry.strength,
        ...(dry.base === undefined ? {} : { base: dry.base }),
        ...(dry.allowedLength === undefined ? {} : { allowedLength: dry.allowedLength }),
      },
    }),
  };
}
