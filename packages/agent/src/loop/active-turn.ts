import type { LoopWatch, TurnLoop } from './loop-watch.js';

/** Per-turn state the verbs (steer, interrupt) act on. */
export interface ActiveTurn {
  /** `turn-<n>`: the turn_id its events carry. */
  id: string;
  controller: AbortController;
  /** The model request streaming now, if any. */
  request: AbortController | undefined;
  responseId: string | undefined;
  /** A steer sent to the streaming response and not yet resolved. */
  steerInFlight: string[];
  /** Watches for a model that repeats itself; undefined with the loop guard off. */
  loopWatch: LoopWatch | undefined;
  /** The loop that stopped the turn, once found. */
  loop: TurnLoop | undefined;
  /** An apply_patch call stopped while it streamed (a hunk could not apply): the turn answers it and goes on. */
  patchStop: StoppedPatchCall | undefined;
}

/** A call the agent stopped mid-stream, with the tool output that tells the model why. */
export interface StoppedPatchCall {
  readonly callId: string;
  readonly name: string;
  /** The input that had streamed when the response was stopped. */
  readonly input: string;
  readonly output: string;
}
