/**
 * Why an aborted generation stopped: a cancel (endpoint or WebSocket `response.cancel`), the
 * client going away, a WebSocket `response.steer` that continues in a successor response, or
 * the loop guard (`loop_guard`) finding the output repeating itself.
 */
export type AbortKind = 'cancelled' | 'interrupted' | 'steered' | 'repetition';

/**
 * The reason a response's generation signal carries (`controller.abort(new ResponseAbort(kind))`),
 * so whoever reports the finish reads why from `signal.reason` instead of a side channel. An
 * `AbortError` by name, as `signal.throwIfAborted()` and Node's abortable APIs throw it.
 */
export class ResponseAbort extends Error {
  override readonly name = 'AbortError';

  constructor(readonly kind: AbortKind) {
    super(`The response was stopped (${kind}).`);
  }
}

/**
 * How an aborted signal's finish is reported; undefined while it is not aborted. An abort with
 * any other reason (a bare `abort()`) counts as the client going away.
 */
export function abortKindOf(signal: AbortSignal | undefined): AbortKind | undefined {
  if (signal?.aborted !== true) return undefined;
  const reason: unknown = signal.reason;
  return reason instanceof ResponseAbort ? reason.kind : 'interrupted';
}
