import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { SequenceGate } from './sequence-gate.js';

/**
 * Evaluates `tokens` from `from` on in chunks of `chunkTokens` (checking the abort signal between
 * chunks, so an abort never waits for a long prefill) while more than one chunk remains, and
 * returns where it stopped: the caller evaluates the last chunk itself, with the output it needs.
 */
export async function prefillChunks(sequence: LlamaContextSequence, gate: SequenceGate, tokens: readonly Token[], from: number, chunkTokens: number, signal: AbortSignal): Promise<number> {
  let next = from;
  while (tokens.length - next > chunkTokens && !signal.aborted) {
    const chunk = tokens.slice(next, next + chunkTokens);
    await gate.run(() => sequence.evaluateWithoutGeneratingNewTokens(chunk));
    next += chunkTokens;
  }
  return next;
}
