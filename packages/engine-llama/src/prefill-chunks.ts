import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { SequenceGate } from './sequence-gate.js';

/** Waits for a chunk's turn (a background generation's, see StepBatcher.nextBatch); returns the function to call once it is evaluated. */
export type ChunkTurn = () => Promise<() => void>;

/**
 * Evaluates `tokens` from `from` on in chunks of `chunkTokens` (checking the abort signal between
 * chunks, so an abort never waits for a long prefill) while more than one chunk remains, and
 * returns where it stopped: the caller evaluates the last chunk itself, with the output it needs.
 */
export async function prefillChunks(sequence: LlamaContextSequence, gate: SequenceGate, tokens: readonly Token[], from: number, chunkTokens: number, signal: AbortSignal, turn?: ChunkTurn): Promise<number> {
  let next = from;
  while (tokens.length - next > chunkTokens && !signal.aborted) {
    const chunk = tokens.slice(next, next + chunkTokens);
    const done = await turn?.();
    try {
      await gate.run(() => sequence.evaluateWithoutGeneratingNewTokens(chunk));
    } finally {
      done?.();
    }
    next += chunkTokens;
  }
  return next;
}
