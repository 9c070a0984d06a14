/** Anything with a settable thread cap (node-llama-cpp's `Llama.maxThreads`). */
export interface ThreadCap {
  maxThreads: number;
}

/**
 * Gives prompt evaluation, token decoding and speculative verification batches different thread
 * counts. node-llama-cpp sizes each batch by the Llama's thread cap, so the cap is raised while
 * any generation is prefilling (wide batches scale with threads), set to the verification count
 * while a verification batch runs, and lowered while all are decoding (one token per step is
 * memory-bound; on 2 cores a second thread measured 25-30% slower and erratic). Prefill wins
 * over verification, verification over decoding.
 */
export class PhaseThreads {
  private readonly cap: ThreadCap;
  private readonly prefillThreads: number;
  private readonly decodeThreads: number;
  private readonly verifyThreads: number;
  private prefilling = 0;
  private verifying = 0;

  constructor(cap: ThreadCap, prefillThreads: number, decodeThreads: number, verifyThreads = decodeThreads) {
    this.cap = cap;
    this.prefillThreads = prefillThreads;
    this.decodeThreads = decodeThreads;
    this.verifyThreads = verifyThreads;
    this.apply();
  }

  /** Marks a prefill as running; call the returned function (idempotent) when it is done. */
  beginPrefill(): () => void {
    return this.begin('prefilling');
  }

  /** Marks a verification batch as running; call the returned function (idempotent) when it is done. */
  beginVerify(): () => void {
    return this.begin('verifying');
  }

  private begin(phase: 'prefilling' | 'verifying'): () => void {
    this[phase] += 1;
    this.apply();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this[phase] -= 1;
      this.apply();
    };
  }

  private apply(): void {
    const threads = this.prefilling > 0 ? this.prefillThreads : this.verifying > 0 ? this.verifyThreads : this.decodeThreads;
    if (this.cap.maxThreads !== threads) this.cap.maxThreads = threads;
  }
}
