/**
 * Chat Completions `stop` over a stream of text deltas. The engine contract has no stop
 * sequences, so the route applies them: text that could still be the start of a stop sequence
 * is held back until the next delta decides, and once one appears the text before it is the
 * last the client sees (the sequence itself is not sent, as OpenAI does) and the caller aborts
 * the generation.
 */
export class StopCutter {
  private readonly stops: readonly string[];
  /** Characters held back because they may begin a stop sequence. */
  private held = '';
  private cut = false;

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((stop) => stop !== '');
  }

  /** True when there is nothing to cut: `push` then passes every delta through unchanged. */
  get idle(): boolean {
    return this.stops.length === 0;
  }

  /** True once a stop sequence was found; later text is dropped. */
  get stopped(): boolean {
    return this.cut;
  }

  /** The text that may go out now, after `delta`; sets `stopped` when a stop sequence ends it. */
  push(delta: string): string {
    if (this.cut) return '';
    if (this.stops.length === 0) return delta;
    const text = this.held + delta;
    let at = -1;
    for (const stop of this.stops) {
      const found = text.indexOf(stop);
      if (found >= 0 && (at < 0 || found < at)) at = found;
    }
    if (at >= 0) {
      this.cut = true;
      this.held = '';
      return text.slice(0, at);
    }
    const keep = this.partialMatchLength(text);
    this.held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** The held-back text, at the end of a text run (a tool call or the finish follows). */
  flush(): string {
    const held = this.held;
    this.held = '';
    return held;
  }

  /** The longest suffix of `text` that is a proper prefix of some stop sequence. */
  private partialMatchLength(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length -= 1) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
