import type { LlamaContextSequence, LlamaGrammarEvaluationState, LlamaModel, Token } from 'node-llama-cpp';
import type { FinishReason, GenerationPriority } from '@spark/engine';
import type { LlamaEngineEvent, LlamaFinishEvent } from './llama-engine-event.js';
import type { OutputParser } from './output-parser.js';
import type { SequenceGate } from './sequence-gate.js';
import type { Draft, Speculator } from './speculator.js';
import type { StepBatcher } from './step-batcher.js';
import { grammarProbe, grammarProbeOnCopy } from './grammar-probe.js';
import { grammarAllowedPrefix, verifyDraft } from './verify-draft.js';

/** A generation's counters and phase, shared by its plain steps and its verification steps. */
export interface DecodeProgress {
  outputTokens: number;
  /** Time in token steps and verification batches so far. */
  decodeMs: number;
  /** Leaves the batcher's token-by-token phase; a verification batch leaves it and enters it again. */
  leaveStepping: () => void;
}

/** What a verification step works on: the generation's sequence, parser and limits. */
export interface VerifyStepContext {
  readonly sequence: LlamaContextSequence;
  readonly gate: SequenceGate;
  readonly model: LlamaModel;
  readonly parser: OutputParser<LlamaGrammarEvaluationState>;
  readonly speculator: Speculator;
  readonly signal: AbortSignal;
  readonly maxOutputTokens: number;
  readonly progress: DecodeProgress;
  /** Marks a verification batch (for per-phase thread counts); returns its end callback. */
  readonly beginVerify?: () => () => void;
  readonly batcher?: Pick<StepBatcher, 'enterStepping' | 'nextBatch'>;
  /** The generation's priority in `batcher`; default 'foreground'. */
  readonly priority?: GenerationPriority;
  /** The generation's `finish` event for a reason. */
  readonly finish: (reason: FinishReason) => LlamaFinishEvent;
  /** Erases everything the sequence holds past `length` tokens. */
  readonly truncate: (length: number) => Promise<void>;
}

/**
 * One speculative step of a generation: evaluates the pending tokens and `draft` in one batch,
 * then feeds the tokens verification produced (the accepted draft and the model's own next
 * token) through the parser one by one, yielding their events and checking the abort signal and
 * the limits after each, as plain steps would. Under a grammar, a token is accepted only where
 * plain constrained greedy decoding would emit it (`constrainedAcceptance`), and each emitted
 * token advances the parser's grammar state as the sampler advances it for a sampled token; a
 * switch of grammar ends the batch there. Leaves the sequence holding exactly what a run of
 * plain steps would have. Returns the next step's input (`plain`: the next step must be a plain one, since
 * verification left the token after it for the grammar-constrained sampler), or undefined once
 * it yielded the generation's `finish`.
 */
export async function* verifyStep(context: VerifyStepContext, pending: readonly Token[], draft: Draft): AsyncGenerator<LlamaEngineEvent, { input: Token[]; plain: boolean } | undefined, undefined> {
  const { sequence, gate, model, parser, speculator, signal, progress, truncate, finish } = context;
  const base = sequence.nextTokenIndex;
  const priority = context.priority ?? 'foreground';
  // A verification batch is no plain step: the other generations of its priority do not wait
  // for it; it still takes its turn (background) or counts as a foreground batch (foreground).
  progress.leaveStepping();
  const turn = await context.batcher?.nextBatch(priority);
  const started = performance.now();
  const endBatch = context.beginVerify?.() ?? noop;
  const grammar = parser.grammar;
  let verified: Awaited<ReturnType<typeof verifyDraft>>;
  try {
    verified = await gate.run(() => verifyDraft(sequence, pending, draft.tokens as Token[], grammar && grammarProbeOnCopy(grammar)));
  } finally {
    endBatch();
    turn?.();
    progress.leaveStepping = context.batcher?.enterStepping(priority) ?? noop;
  }
  const elapsed = performance.now() - started;
  progress.decodeMs += elapsed;
  // The sequence keeps the pending tokens and the accepted draft; the bonus token is sampled, not
  // evaluated. Without a bonus the last of them is evaluated again by the next plain step, which
  // samples the token after it.
  const evaluated = base + pending.length;
  await truncate(evaluated + verified.accepted - (verified.bonus ? 0 : 1));
  const emitted: Token[] = [];
  const report = (): void => speculator.verified({
    source: draft.source, batchTokens: pending.length + draft.tokens.length, drafted: draft.tokens.length,
    accepted: verified.accepted, ms: elapsed, emitted,
  });
  if (signal.aborted) {
    report();
    await truncate(evaluated);
    yield* stopWith(parser, 'aborted', finish);
    return undefined;
  }
  for (const token of verified.outputs) {
    // Ending inside the batch: the sequence keeps what precedes `token`, as after a plain step.
    const keep = evaluated + emitted.length;
    if (model.isEogToken(token)) {
      report();
      await truncate(keep);
      const ended = parser.end();
      yield* ended.events;
      yield finish(ended.reason);
      return undefined;
    }
    progress.outputTokens += 1;
    emitted.push(token);
    // What sampling `token` under the grammar would have done to it (the evaluate generator
    // advances the state only by the tokens it samples itself).
    const state = parser.grammar;
    if (state) grammarProbe(state).accept(token);
    const result = parser.accept(token);
    yield* result.events;
    // As after a plain step: the sequence would next hold `keep` tokens plus this one.
    const full = progress.outputTokens >= context.maxOutputTokens || keep + 1 > sequence.contextSize - 1;
    const stop = result.stop ?? (full ? 'length' : undefined) ?? (signal.aborted ? 'aborted' : undefined);
    if (stop !== undefined) {
      report();
      await truncate(keep);
      if (result.stop) yield finish(result.stop);
      else yield* stopWith(parser, stop === 'aborted' ? 'aborted' : 'length', finish);
      return undefined;
    }
    // A cut token or a switch of grammar: the rest of the batch was verified against the old
    // grammar (or none), so it is unused; the next step evaluates this token.
    if (result.inject || parser.grammar !== state) {
      await truncate(keep);
      report();
      return { input: (result.inject as Token[] | undefined) ?? [token], plain: false };
    }
  }
  report();
  if (verified.bonus) return { input: emitted.slice(-1), plain: false };
  // The same batch again would end the same way.
  const last = emitted.at(-1) ?? pending.at(-1);
  return { input: last === undefined ? [] : [last], plain: true };
}

/**
 * `draft` cut where the grammar rules a token out (it could never be accepted, and verifying
 * past it only costs); undefined when nothing is left. Without a grammar, `draft` itself.
 */
export function fitDraftToGrammar(draft: Draft, grammar: LlamaGrammarEvaluationState | undefined): Draft | undefined {
  if (!grammar) return draft;
  const length = grammarAllowedPrefix(draft.tokens, grammarProbeOnCopy(grammar));
  return length === 0 ? undefined : length === draft.tokens.length ? draft : { ...draft, tokens: draft.tokens.slice(0, length) };
}

/** The parser's closing events for a stop it did not choose, then the `finish`. */
export function* stopWith(parser: OutputParser<unknown>, reason: 'length' | 'aborted', finish: (reason: FinishReason) => LlamaFinishEvent): Generator<LlamaEngineEvent> {
  const interrupted = parser.interrupt(reason);
  yield* interrupted.events;
  yield finish(interrupted.reason);
}

function noop(): void {}
