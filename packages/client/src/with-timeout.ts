import { abortedError, ClientError } from './client-error.js';

/**
 * Runs a short request with a signal that aborts when the caller's does or after `timeoutMs`,
 * and names the failure: `aborted`, `connect_timeout`, or `connect_failed` for a network error.
 * ClientErrors the task throws pass through.
 */
export async function withTimeout<T>(signal: AbortSignal | undefined, timeoutMs: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (signal?.aborted) throw abortedError(signal.reason);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
  try {
    return await task(controller.signal);
  } catch (error) {
    if (ClientError.is(error)) throw error;
    if (signal?.aborted) throw abortedError(error);
    if (timedOut) throw new ClientError('connect_timeout', `The server did not answer within ${timeoutMs} ms (connectTimeoutMs).`, { cause: error });
    throw new ClientError('connect_failed', 'Could not reach the server.', { cause: error });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
