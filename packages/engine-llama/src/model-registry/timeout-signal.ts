/** A signal that aborts when its parent does or when a (restartable) timer runs out. */
export interface TimeoutSignal {
  readonly signal: AbortSignal;
  /** True once the timer, not the parent, aborted the signal. */
  readonly timedOut: boolean;
  /** Starts the timer over (with a new duration if given), e.g. each time bytes arrive. */
  restart(timeoutMs?: number): void;
  /** Stops the timer and detaches from the parent; call it in `finally`. */
  dispose(): void;
}

/** Links a child AbortSignal to `parent` plus a timeout of `timeoutMs`. */
export function createTimeoutSignal(parent: AbortSignal | undefined, timeoutMs: number): TimeoutSignal {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const onParentAbort = (): void => controller.abort(parent?.reason);
  let duration = timeoutMs;
  const start = (): void => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`timed out after ${duration} ms`, 'TimeoutError'));
    }, duration);
  };
  if (parent?.aborted === true) controller.abort(parent.reason);
  else {
    parent?.addEventListener('abort', onParentAbort, { once: true });
    start();
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    restart(nextTimeoutMs?: number) {
      if (controller.signal.aborted) return;
      if (nextTimeoutMs !== undefined) duration = nextTimeoutMs;
      clearTimeout(timer);
      start();
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
