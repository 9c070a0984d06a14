import { EngineError, type GenerationPriority } from '@spark/engine';
import { MIN_KV_COPY_TOKENS, pickCopySource, pickSequenceSlot, type SlotView } from './pick-sequence-slot.js';

interface Slot<S> extends SlotView {
  readonly sequence: S;
  busy: boolean;
  tokens: readonly number[];
  lastUsed: number;
  cacheKey: string | undefined;
}

/** A sequence lent to one generation; hand it back with `SequencePool.release`. */
export interface SequenceLease<S> {
  readonly sequence: S;
  readonly slot: number;
  /** Prompt tokens already in the sequence's KV cache when it was picked. */
  readonly commonPrefix: number;
  /**
   * Another sequence (usually busy) expected to hold a much longer prefix of the prompt: copy
   * its KV prefix into `sequence` before prefilling. `commonPrefix` is the pool's estimate; the
   * copier checks what the source really holds.
   */
  readonly copyFrom?: { readonly sequence: S; readonly slot: number; readonly commonPrefix: number };
}

interface Waiter<S> {
  priority: GenerationPriority;
  prompt: readonly number[];
  cacheKey: string | undefined;
  resolve: (lease: SequenceLease<S> | undefined) => void;
  reject: (error: Error) => void;
}

/**
 * The sequences of one context, lent out one generation at a time. Picks the idle sequence whose
 * cached tokens share the longest prefix with the prompt, and names a sequence to copy a longer
 * prefix from when a busy one holds it (a fork); when all are busy, requests wait in a queue of
 * bounded length (beyond it: EngineError 'overloaded'), foreground ones before background ones,
 * first-in-first-out within each.
 */
export class SequencePool<S> {
  private readonly slots: Slot<S>[];
  private readonly queue: Waiter<S>[] = [];
  private readonly maxQueued: number;
  private readonly minCopyTokens: number;
  private clock = 0;
  private closed = false;

  /** `minCopyTokens`: prefill a copy must save to be proposed (Infinity: never copy). */
  constructor(sequences: readonly S[], maxQueued: number, minCopyTokens = MIN_KV_COPY_TOKENS) {
    this.slots = sequences.map((sequence) => ({ sequence, busy: false, tokens: [], lastUsed: 0, cacheKey: undefined }));
    this.maxQueued = maxQueued;
    this.minCopyTokens = minCopyTokens;
  }

  /** Sequences currently lent out. */
  get active(): number {
    return this.slots.filter((slot) => slot.busy).length;
  }

  /** Requests waiting for a sequence. */
  get queued(): number {
    return this.queue.length;
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Lends the best idle sequence, or waits for one. Resolves `undefined` when `signal` aborts
   * while waiting; rejects with EngineError 'overloaded' when the queue is full.
   */
  acquire(prompt: readonly number[], cacheKey: string | undefined, signal: AbortSignal, priority: GenerationPriority = 'foreground'): Promise<SequenceLease<S> | undefined> {
    if (this.closed) return Promise.reject(new EngineError('internal', 'The engine is shutting down.'));
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.queue.length === 0) {
      const lease = this.tryLend(prompt, cacheKey);
      if (lease) return Promise.resolve(lease);
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(new EngineError('overloaded', `All ${this.slots.length} sequences are busy and ${this.queue.length} requests are already queued; retry later.`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        resolve(undefined);
      };
      const waiter: Waiter<S> = {
        priority,
        prompt,
        cacheKey,
        resolve: (lease) => { signal.removeEventListener('abort', onAbort); resolve(lease); },
        reject: (error) => { signal.removeEventListener('abort', onAbort); reject(error); },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // A foreground request goes ahead of every waiting background one.
      const firstBackground = priority === 'foreground' ? this.queue.findIndex((queued) => queued.priority === 'background') : -1;
      if (firstBackground < 0) this.queue.push(waiter);
      else this.queue.splice(firstBackground, 0, waiter);
    });
  }

  /** Takes a sequence back; `tokens` is what its KV cache now holds. Wakes the next waiter. */
  release(lease: SequenceLease<S>, tokens: readonly number[], cacheKey: string | undefined): void {
    const slot = this.slots[lease.slot];
    if (!slot || !slot.busy) return;
    slot.busy = false;
    slot.tokens = tokens;
    slot.cacheKey = cacheKey;
    slot.lastUsed = ++this.clock;
    const waiter = this.queue.shift();
    if (!waiter) return;
    const next = this.tryLend(waiter.prompt, waiter.cacheKey);
    if (next) waiter.resolve(next);
    else this.queue.unshift(waiter);
  }

  /** Rejects every waiter and refuses new requests (engine disposal). */
  close(error: Error): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.reject(error);
  }

  /** The tokens the pool believes a slot holds, or (busy) will hold (for tests and diagnostics). */
  slotTokens(slot: number): readonly number[] {
    return this.slots[slot]?.tokens ?? [];
  }

  private tryLend(prompt: readonly number[], cacheKey: string | undefined): SequenceLease<S> | undefined {
    const pick = pickSequenceSlot(this.slots, prompt, cacheKey);
    if (!pick) return undefined;
    const slot = this.slots[pick.index];
    if (!slot) return undefined;
    const source = pickCopySource(this.slots, prompt, pick, this.minCopyTokens);
    const copyFrom = source && this.slots[source.index];
    slot.busy = true;
    // While busy, the slot is known by the prompt it evaluates: what a fork would copy from it.
    slot.tokens = prompt;
    return {
      sequence: slot.sequence,
      slot: pick.index,
      commonPrefix: pick.commonPrefix,
      ...(source && copyFrom ? { copyFrom: { sequence: copyFrom.sequence, slot: source.index, commonPrefix: source.commonPrefix } } : {}),
    };
  }
}
