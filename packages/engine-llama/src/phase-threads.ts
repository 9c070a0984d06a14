/** Anything with a settable thread cap (node-llama-cpp's `Llama.maxThreads`). */
export interface ThreadCap {
  maxThreads: number;
}

/**
 * Gives prompt evaluation and token decoding different thread counts. node-llama-cpp sizes each
 * batch by the Llama's thread cap, so the cap is raised while any generation is prefilling
 * (wide batches scale with threads) and lowered while all are decoding (one token per step is
 * memory-bound; on 2 cores a second thread measured 25-30% slower and erratic).
 */
export class PhaseThreads {
  private readonly cap: ThreadCap;
  private readonly prefillThreads: number;
  private readonly decodeThreads: number;
  private prefilling = 0;

  constructor(cap: ThreadCap, prefillThreads: number, decodeThreads: number) {
    this.cap = cap;
    this.prefillThreads = prefillThreads;
    this.decodeThreads = decodeThreads;
    this.apply();
  }

  /** Marks a prefill as running; call the returned function (idempotent) when it is done. */
  beginPrefill(): () => void {
    this.prefilling += 1;
    this.apply();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.prefilling -= 1;
      this.apply();
    };
  }

  private apply(): void {
    const threads = this.prefilling > 0 ? this.prefillThreads : this.decodeThreads;
    if (this.cap.maxThreads !== threads) this.cap.maxThreads = threads;
  }
}
