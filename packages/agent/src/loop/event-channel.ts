/**
 * A push-to-pull bridge: the agent's turn logic pushes events as they happen (also while it
 * awaits an approval or a command), and the consumer pulls them with `for await`. Leaving the
 * loop early calls `onCancel`, which interrupts the work behind it.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;
  private hasError = false;

  constructor(private readonly onCancel: () => void) {}

  /** Values pushed and not yet pulled. */
  get unread(): number {
    return this.buffer.length;
  }

  push(value: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.failWaiting = undefined;
      resolve({ value, done: false });
    } else {
      this.buffer.push(value);
    }
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.error = error;
    this.hasError = true;
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    if (this.buffer.length > 0) return;
    if (this.hasError && this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = undefined;
      this.failWaiting = undefined;
      reject(this.error);
    } else if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.failWaiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const value = this.buffer.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.hasError) return Promise.reject(this.error instanceof Error ? this.error : new Error(String(this.error)));
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => { this.waiting = resolve; this.failWaiting = reject; });
      },
      return: () => {
        if (!this.ended) this.onCancel();
        this.ended = true;
        this.buffer.length = 0;
        // A reader parked in next() (a pump loop left from outside) ends too, instead of waiting forever.
        this.wake();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
