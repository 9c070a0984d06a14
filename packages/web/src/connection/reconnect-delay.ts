/** First wait before reconnecting to the host after the socket closed. */
export const DEFAULT_RECONNECT_MIN_MS = 250;
/** Longest wait between reconnect attempts. */
export const DEFAULT_RECONNECT_MAX_MS = 5_000;

/** Exponential backoff with a little jitter: attempt 0 waits about min, each next one twice as long, capped at max. */
export function reconnectDelay(attempt: number, random: () => number = Math.random, min = DEFAULT_RECONNECT_MIN_MS, max = DEFAULT_RECONNECT_MAX_MS): number {
  const base = Math.min(max, min * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}
