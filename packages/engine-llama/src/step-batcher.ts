import type { GenerationPriority } from '@spark/engine';
import { DEFAULT_BACKGROUND_STEP_INTERVAL, planStepRelease, type StepScheduleState } from './step-schedule.js';

/** Longest a generation waits for the others' next steps before it steps alone. */
export const DEFAULT_STEP_BATCH_WAIT_MS = 3;
/**
 * Longest background steps wait for a foreground generation that is stepping but held up outside
 * the engine (a slow client), before they step without it.
 */
export const DEFAULT_FOREGROUND_STALL_MS = 25;

export interface StepBatcherOptions {
  /** Default `DEFAULT_STEP_BATCH_WAIT_MS`. */
  readonly maxWaitMs?: number;
  /** Default `DEFAULT_FOREGROUND_STALL_MS`. */
  readonly stallMs?: number;
  /** Background steps join one foreground batch in this many; default `DEFAULT_BACKGROUND_STEP_INTERVAL`. */
  readonly backgroundInterval?: number;
}

interface Counts { stepping: number; waitingSteps: number; waitingBatches: number; inFlight: number }
interface Waiter { readonly kind: 'step' | 'batch'; readonly resolve: () => void }

/**
 * Continuous batching for one context: the generations that decode token by token take their
 * next steps together, so node-llama-cpp puts them in one `llama_decode` as llama-server does
 * with its slots. Left alone they drift out of phase for good: node-llama-cpp's dispatch loop
 * takes the next batch from whatever is queued the moment a batch ends, and a generation still
 * in its own JavaScript then (the parser, the server writing its event) joins the batch after.
 * Measured: 4 streams on SmolLM2 decoded in batches of 3, never 4. A step waits here until
 * every stepping generation has asked for its next one. While another generation's step is
 * being decoded, the wait is for it to come back; a generation held up elsewhere (a slow
 * client) delays the others by at most `maxWaitMs`.
 *
 * Foreground generations go first (the rules: `planStepRelease`): background work waits while a
 * foreground generation prefills and joins only some foreground batches while it decodes.
 * Background prefill chunks and verification batches pass through `nextBatch`.
 */
export class StepBatcher {
  private readonly counts: Record<GenerationPriority, Counts> = { foreground: emptyCounts(), background: emptyCounts() };
  private readonly waiting: Record<GenerationPriority, Waiter[]> = { foreground: [], background: [] };
  private foregroundPrefills = 0;
  private sinceBackground = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxWaitMs: number;
  private readonly stallMs: number;
  private readonly backgroundInterval: number;

  constructor(options: StepBatcherOptions = {}) {
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_STEP_BATCH_WAIT_MS;
    this.stallMs = options.stallMs ?? DEFAULT_FOREGROUND_STALL_MS;
    this.backgroundInterval = options.backgroundInterval ?? DEFAULT_BACKGROUND_STEP_INTERVAL;
  }

  /** Marks a generation as decoding token by token; call the returned function (idempotent) when it stops. */
  enterStepping(priority: GenerationPriority = 'foreground'): () => void {
    return this.mark(() => { this.counts[priority].stepping += 1; }, () => { this.counts[priority].stepping -= 1; });
  }

  /**
   * Marks a generation's prefill (from its start to its first token); background work waits
   * while a foreground one runs. Call the returned function (idempotent) when it is done.
   */
  beginPrefill(priority: GenerationPriority = 'foreground'): () => void {
    if (priority === 'background') return noop;
    return this.mark(() => {
      if (this.foregroundPrefills === 0) this.sinceBackground = 0;
      this.foregroundPrefills += 1;
    }, () => { this.foregroundPrefills -= 1; });
  }

  /**
   * Resolves when the caller may queue its next token step (all stepping generations of its
   * priority are ready, or the wait is over; for the background, also its turn), with the
   * function to call once that step has been decoded.
   */
  nextStep(priority: GenerationPriority = 'foreground'): Promise<() => void> {
    // A lone foreground generation steps at once, as before priorities.
    if (priority === 'foreground' && this.counts.foreground.stepping <= 1 && this.counts.background.stepping === 0 && this.waiting.background.length === 0) {
      this.counts.foreground.inFlight += 1;
      return Promise.resolve(this.landing(priority));
    }
    return this.ask(priority, 'step');
  }

  /**
   * Resolves when the caller may queue a batch that is no token step (a prefill chunk, a
   * verification batch): at once for the foreground, on its turn for the background.
   */
  nextBatch(priority: GenerationPriority = 'foreground'): Promise<() => void> {
    return this.ask(priority, 'batch');
  }

  private ask(priority: GenerationPriority, kind: Waiter['kind']): Promise<() => void> {
    return new Promise<void>((resolve) => {
      this.waiting[priority].push({ kind, resolve });
      this.counts[priority][kind === 'step' ? 'waitingSteps' : 'waitingBatches'] += 1;
      this.check();
    }).then(() => this.landing(priority));
  }

  /** The function that marks a released step (counted in flight) as back. */
  private landing(priority: GenerationPriority): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.counts[priority].inFlight -= 1;
      this.check();
    };
  }

  private mark(enter: () => void, leave: () => void): () => void {
    enter();
    this.check();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      leave();
      this.check();
    };
  }

  private check(expired?: 'batch' | 'stall'): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (let first = true; ; first = false) {
      const plan = planStepRelease(this.state(), {
        backgroundInterval: this.backgroundInterval,
        batchExpired: first && expired === 'batch',
        stallExpired: first && expired === 'stall',
      });
      this.sinceBackground = plan.foregroundBatchesSinceBackground;
      if (plan.foreground) this.release('foreground');
      if (plan.background) this.release('background');
      if (plan.foreground || plan.background) continue;
      if (plan.timer === 'batch') this.timer = setTimeout(() => this.check('batch'), this.maxWaitMs);
      else if (plan.timer === 'stall') this.timer = setTimeout(() => this.check('stall'), this.stallMs);
      return;
    }
  }

  private release(priority: GenerationPriority): void {
    const ready = this.waiting[priority];
    this.waiting[priority] = [];
    const counts = this.counts[priority];
    counts.waitingSteps = 0;
    counts.waitingBatches = 0;
    // In flight from now on, though their promise callbacks run a moment later.
    counts.inFlight += ready.length;
    for (const waiter of ready) waiter.resolve();
  }

  private state(): StepScheduleState {
    return {
      foregroundPrefills: this.foregroundPrefills,
      foreground: { ...this.counts.foreground },
      background: { ...this.counts.background },
      foregroundBatchesSinceBackground: this.sinceBackground,
    };
  }
}

function emptyCounts(): Counts {
  return { stepping: 0, waitingSteps: 0, waitingBatches: 0, inFlight: 0 };
}

function noop(): void {}
