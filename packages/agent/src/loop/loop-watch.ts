import { LoopGuard, type DetectedLoop } from '@spark/protocol';

/** The same call (name and arguments) this many times in a row ends the turn (OpenCode's "doom loop" uses 3 too). */
export const REPEATED_CALL_LIMIT = 3;

/** Why a turn was stopped as a loop, for the user. */
export type TurnLoop =
  | { readonly kind: 'text'; readonly loop: DetectedLoop }
  | { readonly kind: 'call'; readonly name: string; readonly times: number };

/**
 * Watches one turn for a model that repeats itself: the streamed text of each response (any
 * server: the agent stops the request itself, so OpenAI or another Responses server works the
 * same), and tool calls repeated with the same arguments across steps.
 */
export class LoopWatch {
  private text = new LoopGuard();
  private lastCall: string | undefined;
  private repeats = 0;

  /** Starts watching a new response's text. */
  nextResponse(): void {
    this.text = new LoopGuard();
  }

  /** Adds streamed text; the loop once the response's text ends in one. */
  textDelta(delta: string): TurnLoop | undefined {
    const loop = this.text.push(delta);
    return loop === undefined ? undefined : { kind: 'text', loop };
  }

  /** Records a call about to run; the loop when it is the same call `REPEATED_CALL_LIMIT` times in a row. */
  call(name: string, input: string): TurnLoop | undefined {
    const signature = `${name}\u0000${input.trim()}`;
    this.repeats = signature === this.lastCall ? this.repeats + 1 : 1;
    this.lastCall = signature;
    return this.repeats >= REPEATED_CALL_LIMIT ? { kind: 'call', name, times: this.repeats } : undefined;
  }
}

/** What the agent tells the user when it stopped a loop. */
export function describeLoop(loop: TurnLoop): string {
  return loop.kind === 'text'
    ? `The model repeated itself (${loop.loop.copies} copies of "${loop.loop.sample.trim()}"), so its answer was stopped; the partial answer is kept. Rephrase the request or try a larger model.`
    : `The model called ${loop.name} with the same arguments ${loop.times} times in a row, so the turn was stopped before running it again.`;
}
