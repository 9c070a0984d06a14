/**
 * Background steps join one foreground decode batch in this many (4: every fourth foreground token
 * carries the background lanes' steps). Below 2 the bound on events weakens: a background token
 * of batch k may surface after the foreground's token k and the one of batch k+1 before token k+1.
 * Measured with two background generations on a 2-core EPYC (`bench --only dual`, medians of 3):
 * 2 kept 0.57x of the foreground's idle tok/s, 3 kept 0.72x, 4 kept 0.71x (TTFT 1.05x, 1.02x, 1.13x).
 * With the ratio taken per round (medians of 5, two runs each, another machine of the kind): 3 kept
 * 0.65x and 0.70x, 4 kept 0.74x and 0.73x, while the two background lanes together decoded about as
 * fast (14.4 and 17.2 tok/s at 3, 14.1 and 11.9 at 4): the foreground's own steps get faster.
 */
export const DEFAULT_BACKGROUND_STEP_INTERVAL = 4;

/** What one priority class of generations is doing, as the step batcher counts it. */
export interface PriorityCounts {
  /** Generations decoding token by token (they take their steps together). */
  readonly stepping: number;
  /** Token steps asked for and not yet released. */
  readonly waitingSteps: number;
  /** Other batches asked for (a prefill chunk, a verification batch) and not yet released. */
  readonly waitingBatches: number;
  /** Steps and batches released and not yet back. */
  readonly inFlight: number;
}

export interface StepScheduleState {
  /** Foreground generations between their start and their first token. */
  readonly foregroundPrefills: number;
  readonly foreground: PriorityCounts;
  readonly background: PriorityCounts;
  /** Foreground batches released since the background last stepped. */
  readonly foregroundBatchesSinceBackground: number;
}

export interface StepReleasePlan {
  readonly foreground: boolean;
  readonly background: boolean;
  /**
   * What to wait for when something waits: `batch` (a short wait for the rest of a batch, then
   * release it anyway: call again with `batchExpired`), `stall` (the foreground is stepping but
   * held up outside the engine, by its client: after a longer wait the background may step,
   * call again with `stallExpired`), or nothing (an event of the generations will come). Only
   * meaningful when nothing is released; after a release, plan again with the new counts.
   */
  readonly timer: 'batch' | 'stall' | undefined;
  readonly foregroundBatchesSinceBackground: number;
}

export interface StepScheduleOptions {
  readonly backgroundInterval: number;
  readonly batchExpired?: boolean;
  readonly stallExpired?: boolean;
}

/**
 * The scheduling rules of one context's generations, as a pure function of what they are doing:
 * which waiting steps to release now.
 *
 * - Foreground token steps are batched as before: released together once every stepping
 *   foreground generation has asked (or after the batch wait when none is in flight). Other
 *   foreground batches never wait.
 * - Background work never starts while a foreground generation prefills: a foreground prefill
 *   waits for at most the background step already in flight.
 * - While the foreground decodes, background steps are released only together with a foreground
 *   batch, one in every `backgroundInterval`: they join that batch in one `llama_decode`, so a
 *   background step never runs between two foreground steps, and at most one step of each
 *   background lane lies between two foreground tokens.
 * - A foreground held up outside the engine (its client reads slowly) lets the background step
 *   after the stall wait; the foreground then waits for at most that step.
 * - With no foreground work at all the background runs at full speed, batched among itself as
 *   the foreground is. So the background starves only while, and as long as, the foreground is busy.
 */
export function planStepRelease(state: StepScheduleState, options: StepScheduleOptions): StepReleasePlan {
  const { foreground: fg, background: bg } = state;
  let timer: StepReleasePlan['timer'];
  let foreground = false;
  if (fg.waitingBatches > 0) foreground = true;
  else if (fg.waitingSteps > 0) {
    if (fg.waitingSteps >= fg.stepping || options.batchExpired === true) foreground = true;
    // A step in flight comes back within a step's time: wait for it rather than split the batch.
    else if (fg.inFlight === 0) timer = 'batch';
  }

  let background = false;
  const bgWaiting = bg.waitingSteps + bg.waitingBatches;
  const fgActive = state.foregroundPrefills > 0 || fg.stepping > 0 || fg.waitingSteps + fg.waitingBatches > 0 || fg.inFlight > 0;
  if (bgWaiting > 0) {
    if (!fgActive) {
      if (bg.waitingBatches > 0 || bg.waitingSteps >= bg.stepping || options.batchExpired === true) background = true;
      else if (bg.inFlight === 0) timer ??= 'batch';
    } else if (state.foregroundPrefills === 0) {
      if (foreground) background = state.foregroundBatchesSinceBackground + 1 >= options.backgroundInterval;
      else if (fg.waitingSteps + fg.waitingBatches === 0 && fg.inFlight === 0) {
        if (options.stallExpired === true) background = true;
        else timer ??= 'stall';
      }
    }
  }
  const since = background ? 0 : foreground ? state.foregroundBatchesSinceBackground + 1 : state.foregroundBatchesSinceBackground;
  return { foreground, background, timer, foregroundBatchesSinceBackground: since };
}
