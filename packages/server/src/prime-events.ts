/**
 * Waits for a stream's first item and returns a stream that replays it, then the rest. Engines
 * throw their validation errors before the first event, so awaiting it here lets a transport
 * answer with a plain HTTP error before writing any SSE byte. If the first item fails the
 * error propagates and the source is closed.
 */
export async function primeEvents<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  let first: IteratorResult<T>;
  try {
    first = await iterator.next();
  } catch (error) {
    await iterator.return?.().catch(() => undefined);
    throw error;
  }
  return replay(first, iterator);
}

async function* replay<T>(first: IteratorResult<T>, iterator: AsyncIterator<T>): AsyncGenerator<T, void, undefined> {
  try {
    if (first.done) return;
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  } finally {
    // Closing early (client gone, protocol error) lets the engine release its sequence.
    await iterator.return?.();
  }
}
