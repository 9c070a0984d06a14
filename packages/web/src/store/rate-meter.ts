/** Width of one bar of the live tok/s sparkline, in ms. */
export const RATE_BUCKET_MS = 250;
/** Bars the sparkline keeps (the last RATE_BUCKETS × RATE_BUCKET_MS of the stream). */
export const RATE_BUCKETS = 40;

/**
 * Counts streamed deltas (about one token each) into fixed time buckets, for the live tok/s
 * sparkline. Time comes from the caller, so tests drive it without a clock.
 */
export class RateMeter {
  private counts: number[] = [];
  private firstBucket = 0;

  reset(): void {
    this.counts = [];
    this.firstBucket = 0;
  }

  /** Records `tokens` at time `nowMs`. */
  add(nowMs: number, tokens = 1): void {
    const bucket = Math.floor(nowMs / RATE_BUCKET_MS);
    if (this.counts.length === 0) this.firstBucket = bucket;
    const index = bucket - this.firstBucket;
    if (index < 0) return;
    while (this.counts.length <= index) this.counts.push(0);
    this.counts[index] = (this.counts[index] ?? 0) + tokens;
    if (this.counts.length > RATE_BUCKETS) {
      const drop = this.counts.length - RATE_BUCKETS;
      this.counts.splice(0, drop);
      this.firstBucket += drop;
    }
  }

  /** Tokens per second of each bucket up to `nowMs` (empty buckets up to now count as 0), oldest first. */
  series(nowMs: number): number[] {
    if (this.counts.length === 0) return [];
    const last = Math.floor(nowMs / RATE_BUCKET_MS) - this.firstBucket;
    const out = this.counts.map((count) => (count * 1000) / RATE_BUCKET_MS);
    for (let index = out.length; index <= last && out.length < RATE_BUCKETS * 2; index++) out.push(0);
    return out.slice(-RATE_BUCKETS);
  }
}
