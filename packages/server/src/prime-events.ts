/**
 * A stream whose first item was already read: `next` hands that item out first, then reads on.
 * Not a generator, so priming adds no step per item; `return` closes the source.
 */
export class PrimedEvents<T> {
  constructor(private first: IteratorResult<T> | undefined, private readonly iterator: AsyncIterator<T>) {}

  next(): Promise<IteratorResult<T>> {
    const first = this.first;
    if (first === undefined) return this.iterator.next();
    this.first = undefined;
    return Promise.resolve(first);
  }

  /** Closes the source (closing early lets the engine release its sequence); idempotent. */
  async return(): Promise<void> {
    this.first = undefined;
    await this.iterator.return?.();
  }
}

/**
 * Waits for a stream's first item and returns the stream primed with it. Engines throw their
 * validation errors before the first event, so awaiting it here lets a transport answer with a
 * plain HTTP error before writing any SSE byte. If the first item fails the error propagates and
 * the source is closed.
 */
export async function primeEvents<T>(source: AsyncIterable<T>): Promise<PrimedEvents<T>> {
  const iterator = source[Symbol.asyncIterator]();
  let first: IteratorResult<T>;
  try {
    first = await iterator.next();
  } catch (error) {
    await iterator.return?.().catch(() => undefined);
    throw error;
  }
  return new PrimedEvents(first, iterator);
}
