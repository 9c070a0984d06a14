import type { LlamaContextSequence } from 'node-llama-cpp';
import type { GenerationPriority } from '@spark/engine';
import type { GenerationPlan } from './generation-plan.js';
import type { LlamaEngineEvent } from './llama-engine-event.js';
import type { SequenceGate } from './sequence-gate.js';
import type { StepBatcher } from './step-batcher.js';
import { windowSafePrefix } from './window-safe-prefix.js';

export interface PrefillOnlyLoopOptions {
  readonly sequence: LlamaContextSequence;
  readonly gate: SequenceGate;
  readonly plan: GenerationPlan;
  /** Prompt tokens the pool found (or copied) into this sequence. */
  readonly reusablePrefix: number;
  readonly prefillChunkTokens: number;
  readonly signal: AbortSignal;
  readonly onPrompt?: (cachedInputTokens: number) => void;
  readonly beginPrefill?: () => () => void;
  /** Priorities (StepBatcher): a foreground warm-up holds the background back; a background one's chunks wait for their turn. */
  readonly batcher?: Pick<StepBatcher, 'nextBatch' | 'beginPrefill'>;
  /** Default 'foreground'. */
  readonly priority?: GenerationPriority;
}

/**
 * A warm-up (Responses `generate: false`): evaluates the whole prompt into the sequence in
 * abortable chunks and samples nothing. Yields `prompt`, then `finish` with reason `stop` and no
 * output tokens (`aborted` when the signal stopped it first).
 */
export async function* prefillOnlyLoop(options: PrefillOnlyLoopOptions): AsyncGenerator<LlamaEngineEvent, void, undefined> {
  const { sequence, gate, plan, signal } = options;
  const prompt = plan.promptTokens;
  // Nothing is sampled, so unlike a generation the whole prompt may come from the cache.
  const reuse = Math.max(0, Math.min(options.reusablePrefix, prompt.length));
  await gate.run(() => sequence.adaptStateToTokens(windowSafePrefix(sequence, prompt.slice(0, reuse)), false));
  const cached = sequence.nextTokenIndex;
  options.onPrompt?.(cached);
  yield { type: 'prompt', inputTokens: prompt.length, cachedInputTokens: cached };

  const started = performance.now();
  const priority = options.priority ?? 'foreground';
  const endPrefill = options.beginPrefill?.() ?? noop;
  const endScheduled = options.batcher?.beginPrefill(priority) ?? noop;
  let next = cached;
  try {
    while (next < prompt.length && !signal.aborted) {
      const chunk = prompt.slice(next, next + options.prefillChunkTokens);
      const turn = priority === 'background' ? await options.batcher?.nextBatch(priority) : undefined;
      try {
        await gate.run(() => sequence.evaluateWithoutGeneratingNewTokens(chunk));
      } finally {
        turn?.();
      }
      next += chunk.length;
    }
  } finally {
    endScheduled();
    endPrefill();
  }
  yield {
    type: 'finish',
    reason: next < prompt.length ? 'aborted' : 'stop',
    usage: { inputTokens: prompt.length, cachedInputTokens: cached, outputTokens: 0 },
    timings: { prefillMs: performance.now() - started, prefillTokens: prompt.length - cached, decodeMs: 0, decodeTokens: 0, decodeTokensPerSecond: 0 },
  };
}

function noop(): void {}
