import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { FinishReason, GenerationPriority } from '@spark/engine';
import type { LlamaEngineEvent, LlamaFinishEvent } from './llama-engine-event.js';
import type { OutputParser } from './output-parser.js';
import type { SequenceGate } from './sequence-gate.js';
import type { Draft, Speculator } from './speculator.js';
import type { StepBatcher } from './step-batcher.js';
import { verifyDraft } from './verify-draft.js';

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
  readonly parser: OutputParser<unknown>;
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
 * the limits after each, as plain steps would. Leaves the sequence holding exactly what a run of
 * plain steps would have. Returns the next step's input, or undefined once it yielded the
 * generation's `finish`.
 */
export async function* verifyStep(context: VerifyStepContext, pending: readonly Token[], draft: Draft): AsyncGenerator<LlamaEngineEvent, Token[] | undefined, undefined> {
  const { sequence, gate, model, parser, speculator, signal, progress, truncate, finish } = context;
  const base = sequence.nextTokenIndex;
  const priority = context.priority ?? 'foreground';
  // A verification batch is no plain step: the other generations of its priority do not wait
  // for it; it still takes its turn (background) or counts as a foreground batch (foreground).
  progress.leaveStepping();
  const turn = await context.batcher?.nextBatch(priority);
  const started = performance.now();
  const endBatch = context.beginVerify?.() ?? noop;
  let verified: Awaited<ReturnType<typeof verifyDraft>>;
  try {
    verified = await gate.run(() => verifyDraft(sequence, pending, draft.tokens as Token[]));
  } finally {
    endBatch();
    turn?.();
    progress.leaveStepping = context.batcher?.enterStepping(priority) ?? noop;
  }
  const elapsed = performance.now() - started;
  progress.decodeMs += elapsed;
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
    // A cut token or a switch to a grammar: plain steps from here, the rest of the batch unused.
    if (result.inject || parser.grammar !== undefined) {
      await truncate(keep);
      report();
      return (result.inject as Token[] | undefined) ?? [token];
    }
  }
  report();
  return emitted.slice(-1);
}

/** The parser's closing events for a stop it did not choose, then the `finish`. */
export function* stopWith(parser: OutputParser<unknown>, reason: 'length' | 'aborted', finish: (reason: FinishReason) => LlamaFinishEvent): Generator<LlamaEngineEvent> {
  const interrupted = parser.interrupt(reason);
  yield* interrupted.events;
  yield finish(interrupted.reason);
}

function noop(): void {}
