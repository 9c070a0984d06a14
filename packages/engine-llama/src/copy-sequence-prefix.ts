import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlamaContextSequence } from 'node-llama-cpp';

/**
 * How a KV prefix is copied: 'memory' = llama.cpp's `llama_memory_seq_cp` (through
 * node-llama-cpp's internal `_copyStateFromOtherSequence`; 3.22.1 exports no sequence copy),
 * 'file' = the public `saveStateToFile` / `loadStateFromFile` through a temporary file.
 */
export type KvCopyMethod = 'memory' | 'file';

export interface KvCopy {
  /** Tokens the target now holds: the first `length` of the source's. */
  readonly tokens: number;
  readonly method: KvCopyMethod;
  readonly ms: number;
}

/** node-llama-cpp 3.22.1's internal sequence copy (copies everything, then erases from `upToTokenIndex`). */
type InternalCopy = (this: LlamaContextSequence, other: LlamaContextSequence, upToTokenIndex: number) => Promise<boolean>;

/**
 * Makes `target`'s KV cache hold the first `length` tokens of `source`'s, replacing what it held.
 * Neither sequence may be mid-evaluation (hold both `SequenceGate`s). Tries `method` first and
 * falls back to 'file' when the in-memory copy is unavailable or reports a mismatch. With one KV
 * stream per sequence (node-llama-cpp's setting), 'memory' only queues a copy of the source's
 * whole stream buffer, which llama.cpp performs at the start of the next decode of the context:
 * `ms` then excludes that memcpy (about the KV size of a full sequence). Undefined when the copy
 * cannot be made: a state file leaves out sliding-window cells outside the window of its last
 * token, so on sliding-window models (Gemma 3...) 'file' can only copy a source whole.
 */
export async function copySequencePrefix(
  target: LlamaContextSequence,
  source: LlamaContextSequence,
  length: number,
  method: KvCopyMethod = 'memory',
): Promise<KvCopy | undefined> {
  if (length <= 0 || length > source.nextTokenIndex) throw new RangeError(`cannot copy ${length} of ${source.nextTokenIndex} tokens`);
  const started = performance.now();
  const copy = internalCopy(target);
  if (method === 'memory' && copy) {
    if (await copy.call(target, source, length) && target.nextTokenIndex === length) {
      return { tokens: length, method: 'memory', ms: performance.now() - started };
    }
    // A mismatch leaves the target's token list and cache out of step: drop both.
    await target.clearHistory();
  }
  if (length < source.nextTokenIndex && source.model.fileInsights.swaSize != null) return undefined;
  const file = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `spark-kv-${process.pid}-${randomUUID()}.bin`);
  try {
    await source.saveStateToFile(file);
    await target.loadStateFromFile(file, { acceptRisk: true });
  } finally {
    await rm(file, { force: true });
  }
  await target.eraseContextTokenRanges([{ start: length, end: target.nextTokenIndex }]);
  return { tokens: target.nextTokenIndex, method: 'file', ms: performance.now() - started };
}

function internalCopy(sequence: LlamaContextSequence): InternalCopy | undefined {
  const method: unknown = Reflect.get(sequence, '_copyStateFromOtherSequence');
  return typeof method === 'function' ? (method as InternalCopy) : undefined;
}
