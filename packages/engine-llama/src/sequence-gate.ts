/**
 * Runs the evaluation steps on one sequence one at a time, so that copying its KV cache never
 * sees a step half done (node-llama-cpp updates a sequence's token list after the decode that
 * filled its cache, outside the context lock a copy takes).
 */
export class SequenceGate {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `task` once every task queued before it has settled. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release = (): void => {};
    this.tail = new Promise((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      return await task();
    } finally {
      release();
    }
  }

  /** Runs `task` holding both gates, taken in a fixed order so that two copies never deadlock. */
  static async runBoth<T>(first: { gate: SequenceGate; order: number }, second: { gate: SequenceGate; order: number }, task: () => Promise<T>): Promise<T> {
    const [a, b] = first.order <= second.order ? [first, second] : [second, first];
    if (a.gate === b.gate) return a.gate.run(task);
    return a.gate.run(() => b.gate.run(task));
  }
}
