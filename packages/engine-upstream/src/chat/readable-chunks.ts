import type { Readable } from 'node:stream';

/** Chunks held unread before the stream is paused (backpressure to the upstream's socket). */
export const DEFAULT_HELD_CHUNKS = 64;

/**
 * A readable's chunks, taken in batches: every chunk that arrived since the last `take`, with
 * one promise per wait instead of the several per chunk that a stream's async iterator costs
 * (its generator, the 'readable' tick, `read()`). On an upstream stream a chunk is usually one
 * token, so this is the per-token path. Holding `heldChunks` unread pauses the stream until the
 * next `take`. A close before 'end' is an error (a cut stream, like the iterator's premature close).
 */
export class ReadableChunks {
  private chunks: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: Readable, private readonly heldChunks = DEFAULT_HELD_CHUNKS) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
  }

  /** Every chunk read since the last call (at least one), or none once the stream ended; throws the stream's error. */
  async take(): Promise<Buffer[]> {
    while (this.chunks.length === 0) {
      if (this.failure !== undefined) throw this.failure;
      if (this.ended) return [];
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
    const taken = this.chunks;
    this.chunks = [];
    if (this.stream.isPaused()) this.stream.resume();
    return taken;
  }

  /** Stops listening; the stream is left as it is (paused or flowing). */
  detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.off('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    if (this.chunks.length >= this.heldChunks) this.stream.pause();
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  private readonly onError = (error: Error): void => {
    this.failure ??= error;
    this.notify();
  };

  private readonly onClose = (): void => {
    if (!this.ended) this.failure ??= new Error('The stream closed before its end');
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
