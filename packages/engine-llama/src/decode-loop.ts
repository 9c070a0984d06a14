import {
  LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaContextSequenceDryRepeatPenalty, type LlamaContextSequenceRepeatPenalty,
  type LlamaGrammar, type LlamaModel, type Token,
} from 'node-llama-cpp';
import type { FinishReason, SamplingOptions } from '@spark/engine';
import { createCallId } from './create-call-id.js';
import type { LlamaEngineEvent, LlamaFinishEvent } from './llama-engine-event.js';
import { DEFAULT_REPEAT_LAST_TOKENS, type DryRepeatPenaltyOptions, type RepeatPenaltyOptions } from './llama-engine-options.js';
import type { FunctionCallSyntax } from './function-call-syntax.js';
import type { GenerationPlan } from './generation-plan.js';
import { OutputParser, type GrammarSlot } from './output-parser.js';
import { prefillChunks } from './prefill-chunks.js';
import type { SequenceGate } from './sequence-gate.js';
import type { Speculator } from './speculator.js';
import type { StepBatcher } from './step-batcher.js';
import { verifyDraft } from './verify-draft.js';

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
  /** Continuous batching (StepBatcher): marks the token-by-token phase and lines up each step with the other generations'. */
  readonly batcher?: Pick<StepBatcher, 'enterStepping' | 'nextStep'>;
  /**
   * Speculative decoding for this generation (greedy, no output grammar): drafts are verified in
   * one batch whenever the speculator expects that to pay; absent = plain steps only.
   */
  readonly speculator?: Speculator;
  /** llama.cpp's repetition penalty over the sequence's last tokens (prompt included, as llama-server does). */
  readonly repeatPenalty?: RepeatPenaltyOptions;
  readonly dryRepeatPenalty?: DryRepeatPenaltyOptions;
}

/**
 * One generation on one sequence: keeps the reusable KV prefix, prefills the rest in chunks
 * (abortable between them), then samples token by token through `OutputParser`, checking the
 * abort signal after every token. Yields `prompt`, the output events and exactly one `finish`.
 * The caller owns the sequence and must release it when this generator ends, however it ends.
 */
export async function* decodeLoop(options: DecodeLoopOptions): AsyncGenerator<LlamaEngineEvent, void, undefined> {
  const { sequence, gate, model, plan, signal, speculator } = options;
  const prompt = plan.promptTokens;

  // Keep the shared prefix, but always evaluate at least the last prompt token: its logits
  // are what the first output token is sampled from.
  const reuse = Math.max(0, Math.min(options.reusablePrefix, prompt.length - 1));
  await gate.run(() => sequence.adaptStateToTokens(prompt.slice(0, reuse), false));
  const cached = sequence.nextTokenIndex;
  options.onPrompt?.(cached);
  yield { type: 'prompt', inputTokens: prompt.length, cachedInputTokens: cached };

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

  let outputTokens = 0;
  let prefillMs = 0;
  let decodeMs = 0;
  const prefillStarted = performance.now();
  const finish = (reason: FinishReason): LlamaFinishEvent => {
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

  const endPrefill = options.beginPrefill?.() ?? noop;
  let leaveStepping = noop;
  let next: number;
  try {
    next = await prefillChunks(sequence, gate, prompt, cached, options.prefillChunkTokens, signal);
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
  try {
    // What the next step evaluates: a parser's injected tokens, or the last sampled token. After
    // a verification step the generator's own idea of its last token is stale, so it is explicit.
    let input: Token[] | undefined;
    for (;;) {
      const pending = outputTokens > 0 && speculator && parser.grammar === undefined ? input : undefined;
      // Output room (the step's own token comes on top of the draft) and context room, so a
      // verification batch never makes llama.cpp shift the context.
      const room = Math.min(plan.maxOutputTokens - outputTokens - 1, sequence.contextSize - 2 - sequence.nextTokenIndex - (pending?.length ?? 0));
      const draft = pending && speculator ? speculator.plan(pending.length, room) : undefined;
      if (pending && speculator && draft) {
        const base = sequence.nextTokenIndex;
        const started = performance.now();
        const endBatch = options.beginVerify?.() ?? noop;
        // A verification batch is no plain step: the other generations do not wait for it.
        leaveStepping();
        let verified: Awaited<ReturnType<typeof verifyDraft>>;
        try {
          verified = await gate.run(() => verifyDraft(sequence, pending, draft.tokens as Token[]));
        } finally {
          endBatch();
          leaveStepping = options.batcher?.enterStepping() ?? noop;
        }
        const elapsed = performance.now() - started;
        decodeMs += elapsed;
        // The sequence keeps the pending tokens and the accepted draft; the bonus token is sampled, not evaluated.
        const evaluated = base + pending.length;
        await truncate(evaluated + verified.accepted);
        const emitted: Token[] = [];
        const report = (): void => speculator.verified({
          source: draft.source, batchTokens: pending.length + draft.tokens.length, drafted: draft.tokens.length,
          accepted: verified.accepted, ms: elapsed, emitted,
        });
        if (signal.aborted) {
          report();
          await truncate(evaluated);
          yield* stopWith(parser, 'aborted', finish);
          return;
        }
        let next: Token[] | undefined;
        for (const token of verified.outputs) {
          // Ending inside the batch: the sequence keeps what precedes `token`, as after a plain step.
          const keep = evaluated + emitted.length;
          if (model.isEogToken(token)) {
            report();
            await truncate(keep);
            const ended = parser.end();
            yield* ended.events;
            yield finish(ended.reason);
            return;
          }
          outputTokens += 1;
          emitted.push(token);
          const result = parser.accept(token);
          yield* result.events;
          // As after a plain step: the sequence would next hold `keep` tokens plus this one.
          const full = outputTokens >= plan.maxOutputTokens || keep + 1 > sequence.contextSize - 1;
          const stop = result.stop ?? (full ? 'length' : undefined) ?? (signal.aborted ? 'aborted' : undefined);
          if (stop !== undefined) {
            report();
            await truncate(keep);
            if (result.stop) yield finish(result.stop);
            else yield* stopWith(parser, stop === 'aborted' ? 'aborted' : 'length', finish);
            return;
          }
          // A cut token or a switch to a grammar: plain steps from here, the rest of the batch unused.
          if (result.inject || parser.grammar !== undefined) {
            next = (result.inject as Token[] | undefined) ?? [token];
            await truncate(keep);
            break;
          }
        }
        report();
        input = next ?? emitted.slice(-1);
        continue;
      }

      const stepped = outputTokens > 0 ? await options.batcher?.nextStep() : undefined;
      const started = performance.now();
      let step: IteratorResult<Token, void>;
      try {
        step = await gate.run(() => tokens.next(input));
      } finally {
        stepped?.();
      }
      const elapsed = performance.now() - started;
      if (outputTokens === 0) {
        prefillMs = performance.now() - prefillStarted;
        endPrefill();
        leaveStepping = options.batcher?.enterStepping() ?? noop;
      }
      else if (!step.done) decodeMs += elapsed;
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
      speculator?.plainStep(step.value, elapsed, outputTokens > 0 && (input?.length ?? 1) === 1);
      outputTokens += 1;
      const result = parser.accept(step.value);
      yield* result.events;
      if (result.stop) {
        yield finish(result.stop);
        return;
      }
      input = (result.inject as Token[] | undefined) ?? [step.value];
      // Stop before llama.cpp would shift the context: the conversation no longer fits.
      const contextFull = sequence.nextTokenIndex + input.length > sequence.contextSize - 1;
      if (outputTokens >= plan.maxOutputTokens || contextFull) {
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
    leaveStepping();
    await tokens.return();
  }
}

function noop(): void {}

function* stopWith(parser: OutputParser<unknown>, reason: 'length' | 'aborted', finish: (reason: FinishReason) => LlamaFinishEvent): Generator<LlamaEngineEvent> {
  const interrupted = parser.interrupt(reason);
  yield* interrupted.events;
  yield finish(interrupted.reason);
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
