/**
 * Degenerate repetition, as small local models produce it under greedy decoding: the output
 * ends in the same span of text at least this many times in a row.
 */
export const LOOP_MIN_COPIES = 4;
/**
 * ...and the repeated run is at least this long, so that a horizontal rule, a short table row
 * or `0, 0, 0` in an example is not a loop.
 */
export const LOOP_MIN_CHARS = 240;
/** The tail of the output that is searched: spans up to a quarter of it (a long paragraph) are found. */
export const LOOP_WINDOW_CHARS = 8192;
/** New characters between two searches (each is linear in the window). */
export const LOOP_CHECK_EVERY_CHARS = 32;

/** A loop the guard found: `copies` repetitions of a span of `period` characters end the text. */
export interface DetectedLoop {
  readonly period: number;
  readonly copies: number;
  /** The repeated span, cut to 80 characters (for a message). */
  readonly sample: string;
}

/**
 * Watches streamed text for a loop (the `loop_guard` request option, a Spark extension, and the
 * agent's guard): `push` each delta, and it answers the loop once the text ends in
 * `LOOP_MIN_COPIES` or more copies of one span covering `LOOP_MIN_CHARS` or more. Exact
 * repetition only, the way greedy decoding loops; sampled near-repeats are left alone.
 */
export class LoopGuard {
  private tail = '';
  private unchecked = 0;
  private found: DetectedLoop | undefined;

  /** Adds streamed text; returns the loop once the text ends in one (and from then on). */
  push(delta: string): DetectedLoop | undefined {
    if (this.found !== undefined || delta === '') return this.found;
    this.tail += delta;
    if (this.tail.length > LOOP_WINDOW_CHARS * 2) this.tail = this.tail.slice(-LOOP_WINDOW_CHARS);
    this.unchecked += delta.length;
    if (this.unchecked < LOOP_CHECK_EVERY_CHARS) return undefined;
    this.unchecked = 0;
    this.found = findTrailingLoop(this.tail.slice(-LOOP_WINDOW_CHARS));
    return this.found;
  }
}

/**
 * The shortest span whose repetitions end `text` with at least `LOOP_MIN_COPIES` copies and
 * `LOOP_MIN_CHARS` characters, or undefined. The Z-function of the reversed text gives, for each
 * period p, how far the text's end keeps repeating with that period: O(n) for all periods.
 */
export function findTrailingLoop(text: string): DetectedLoop | undefined {
  const n = text.length;
  if (n < LOOP_MIN_CHARS) return undefined;
  // Compare code units of the reversed text without building it: r[i] = text[n - 1 - i].
  const at = (index: number): number => text.charCodeAt(n - 1 - index);
  const z = new Int32Array(n);
  let left = 0;
  let right = 0;
  for (let index = 1; index < n; index += 1) {
    let length = index < right ? Math.min(right - index, z[index - left] ?? 0) : 0;
    while (index + length < n && at(length) === at(index + length)) length += 1;
    z[index] = length;
    if (index + length > right) { left = index; right = index + length; }
    // With period `index`, the end repeats over `index + length` characters.
    const run = index + length;
    const copies = Math.floor(run / index);
    if (copies >= LOOP_MIN_COPIES && run >= LOOP_MIN_CHARS) {
      return { period: index, copies, sample: text.slice(n - index).slice(0, 80) };
    }
  }
  return undefined;
}
