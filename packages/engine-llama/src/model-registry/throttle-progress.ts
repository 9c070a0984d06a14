import { PROGRESS_INTERVAL_MS } from './pull-options.js';

/** Reports byte counts at most every `intervalMs`, always the final count. */
export type ByteProgress = (receivedBytes: number, totalBytes: number | undefined) => void;

/** Wraps `report` so a stream of chunks becomes a few reports a second plus the last one. */
export function throttleProgress(report: ByteProgress | undefined, intervalMs = PROGRESS_INTERVAL_MS): ByteProgress {
  let last = Number.NEGATIVE_INFINITY;
  return (receivedBytes, totalBytes) => {
    if (report === undefined) return;
    const now = performance.now();
    const done = totalBytes !== undefined && receivedBytes >= totalBytes;
    if (!done && now - last < intervalMs) return;
    last = now;
    report(receivedBytes, totalBytes);
  };
}
