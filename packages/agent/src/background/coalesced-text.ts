/**
 * Gathers streamed text and hands it on in pieces: the first delta arms a timer, and when it
 * fires (or `flush` is called: before a tool call, at the end) everything gathered goes out as
 * one piece. Per-token events for a stream nobody may be watching would cost every client.
 */
export class CoalescedText {
  private buffer = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (text: string) => void, private readonly intervalMs: number) {}

  push(delta: string): void {
    if (delta === '') return;
    this.buffer += delta;
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Sends what is gathered now (nothing when empty) and disarms the timer. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === '') return;
    const text = this.buffer;
    this.buffer = '';
    this.send(text);
  }
}
