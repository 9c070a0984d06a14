import { abortedError } from './client-error.js';

/**
 * Waits for `promise`, but rejects with `aborted` as soon as `signal` aborts; the work behind
 * the promise goes on for whoever else waits on it. A rejection nobody waits for is still handled.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
  });
}
