/** Longest a generation waits for the others' next steps before it steps alone. */
export const DEFAULT_STEP_BATCH_WAIT_MS = 3;

/**
 * Continuous batching for one context: the generations that decode token by token take their
 * next steps together, so node-llama-cpp puts them in one `llama_decode` as llama-server does
 * with its slots. Left alone they drift out of phase for good: node-llama-cpp's dispatch loop
 * takes the next batch from whatever is queued the moment a batch ends, and a generation still
 * in its own JavaScript then (the parser, the server writing its event) joins the batch after.
 * Measured: 4 streams on SmolLM2 decoded in batches of 3, never 4. A step waits here until
 * every stepping generation has asked for its next one. While another generation's step is
 * being decoded, the wait is for it to come back; a generation held up elsewhere (a slow
 * client) delays the others by at most `maxWaitMs`.
 */
export class StepBatcher {
  private stepping = 0;
  private inFlight = 0;
  private waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly maxWaitMs = DEFAULT_STEP_BATCH_WAIT_MS) {}

  /** Marks a generation as decoding token by token; call the returned function (idempotent) when it stops. */
  enterStepping(): () => void {
    this.stepping += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.stepping -= 1;
      this.check();
    };
  }

  /**
   * Resolves when the caller may queue its next step (all stepping generations are ready, or the
   * wait is over), with the function to call once that step has been decoded.
   */
  async nextStep(): Promise<() => void> {
    if (this.stepping > 1) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.check();
      });
    }
    this.inFlight += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
      this.check();
    };
  }

  private check(): void {
    if (this.waiting.length === 0) return;
    if (this.waiting.length >= this.stepping) {
      this.release();
      return;
    }
    // A step in flight comes back within a step's time: wait for it rather than split the batch.
    if (this.inFlight > 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else {
      this.timer ??= setTimeout(() => this.release(), this.maxWaitMs);
    }
  }

  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ready = this.waiting;
    this.waiting = [];
    for (const resolve of ready) resolve();
  }
}
