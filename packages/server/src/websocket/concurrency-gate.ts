/**
 * At most `limit` holders at once; the others wait in arrival order. A connection uses one to
 * cap the responses it generates at once over all its lanes (further creates wait, spec §3.6).
 */
export class ConcurrencyGate {
  private held = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Resolves with the release function, or with undefined if `signal` aborted first. */
  async acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return undefined;
    if (this.held < this.limit) {
      this.held += 1;
      return this.releaser();
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.releaser());
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(undefined);
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `held` stays the same.
      if (next) next();
      else this.held -= 1;
    };
  }
}
