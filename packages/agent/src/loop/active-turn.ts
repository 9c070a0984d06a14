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
}
