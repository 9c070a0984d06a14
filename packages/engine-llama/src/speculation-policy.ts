/** A speculative step must promise at least this speedup over a plain step, or a plain step is taken. */
export const MIN_SPECULATIVE_GAIN = 1.1;
/**
 * Before any verification step was measured, a batch of n tokens is assumed to cost
 * (1 + n * PRIOR_BATCH_TOKEN_COST) plain steps (2-core CPU, 135M Q4_1: about 1 + 0.3 n).
 */
export const PRIOR_BATCH_TOKEN_COST = 0.35;
/** Weight of each recorded cost observation after the next one (older steps fade). */
const COST_DECAY = 0.9;
/** Weight of the prior's two pseudo-observations next to real ones (each real one starts at 1). */
const PRIOR_COST_WEIGHT = 0.25;
/** Smoothing of the plain step time. */
const PLAIN_EMA = 0.1;
/**
 * Batch observations also fade with every plain step, so that costs measured under a passing
 * load spike (which switched speculation off) give way to the prior and speculation is retried.
 */
const PLAIN_STEP_FORGET = 0.99;

/**
 * How often a draft source's next token is right, per drafted token: a prior, then recent trials
 * weighted more than old ones, so a switch from new text to copying (or back) shows within a few
 * dozen tokens. Trials come from verification steps and, for free, from comparing what a source
 * would have drafted with each plainly decoded token.
 */
export class AcceptanceEstimate {
  private successes: number;
  private trials: number;
  private readonly decay: number;

  /** `prior` counts as `priorWeight` trials; each trial's weight shrinks by `decay` per later trial. */
  constructor(prior: number, priorWeight: number, decay = 0.95) {
    this.successes = prior * priorWeight;
    this.trials = priorWeight;
    this.decay = decay;
  }

  /** Records `trials` draft tokens of which the first `successes` were right. */
  record(successes: number, trials: number): void {
    for (let index = 0; index < trials; index += 1) {
      this.successes = this.successes * this.decay + (index < successes ? 1 : 0);
      this.trials = this.trials * this.decay + 1;
    }
  }

  get value(): number {
    return this.trials > 0 ? this.successes / this.trials : 0;
  }

  /** The rate with `weight` pseudo-trials at `rate` added: a sparse estimate leans on `rate`. */
  shrunkToward(rate: number, weight: number): number {
    const trials = this.trials + weight;
    return trials > 0 ? (this.successes + weight * rate) / trials : rate;
  }
}

/** Streak buckets: 0, 1, 2-3, 4-7, 8-15, 16-31 and 32 or more source tokens right in a row. */
export const STREAK_BUCKETS = 7;

/** The bucket of a streak: 0 for none, then one per power of two, the last open-ended. */
export function streakBucket(streak: number): number {
  return streak < 1 ? 0 : Math.min(STREAK_BUCKETS - 1, Math.floor(Math.log2(streak)) + 1);
}

/**
 * A draft source's acceptance as a function of its streak, the tokens it has had right in a row:
 * copying is bursty (a source that matched the last 30 tokens nearly always matches the next,
 * one that just re-anchored often does not), so one average rate would make every draft
 * short. Each streak bucket keeps its own recency-weighted rate, shrunk toward the source's
 * overall rate while it has few trials of its own, so a new generation starts where the
 * single-rate model would and specialises as evidence comes in.
 */
export class StreakAcceptance {
  private readonly overall: AcceptanceEstimate;
  private readonly buckets: AcceptanceEstimate[];
  private readonly priorWeight: number;
  private readonly shared: StreakAcceptance | undefined;

  /**
   * `shared` is the model's memory of the same source over earlier generations: it learns every
   * trial recorded here, and a bucket with little evidence of its own leans on it (then on this
   * generation's overall rate), so a generation does not relearn from scratch that a source
   * which matched its last 20 tokens nearly always matches the next.
   */
  constructor(prior: number, priorWeight: number, options: { decay?: number; shared?: StreakAcceptance } = {}) {
    this.overall = new AcceptanceEstimate(prior, priorWeight, options.decay);
    this.buckets = Array.from({ length: STREAK_BUCKETS }, () => new AcceptanceEstimate(0, 0, options.decay));
    this.priorWeight = priorWeight;
    this.shared = options.shared;
  }

  /**
   * Records a draft of `trials` tokens verified when the source stood at `streak`: the first
   * `accepted` were right, the next (if `trials` reaches it) wrong.
   */
  record(streak: number, accepted: number, trials: number): void {
    this.overall.record(accepted, trials);
    for (let index = 0; index < trials; index += 1) this.bucket(streak + index).record(index < accepted ? 1 : 0, 1);
    this.shared?.record(streak, accepted, trials);
  }

  /** The chance that each of the next `count` drafted tokens is right, given the ones before it are. */
  along(streak: number, count: number): number[] {
    const overall = this.overall.value;
    return Array.from({ length: count }, (_, index) => this.rate(streak + index, this.shared?.rate(streak + index, overall) ?? overall));
  }

  /** The rate at `streak`, leaning on `fallback` while its bucket has little evidence. */
  rate(streak: number, fallback: number): number {
    return this.bucket(streak).shrunkToward(fallback, this.priorWeight);
  }

  private bucket(streak: number): AcceptanceEstimate {
    const bucket = this.buckets[streakBucket(streak)];
    if (!bucket) throw new RangeError(`no acceptance bucket for streak ${streak}`);
    return bucket;
  }
}

/**
 * Measured step costs of one model on this machine: the plain (one token) decode step, and a
 * verification batch of n tokens fitted as `a + b * n` by weighted least squares over recent
 * batches (recent ones weigh more, as costs grow with the context). Shared by a model's
 * generations, so each starts from what the last ones measured.
 */
export class StepCosts {
  private plain: number | undefined;
  private weight = 0;
  private sumN = 0;
  private sumC = 0;
  private sumNN = 0;
  private sumNC = 0;

  /** Smoothed plain decode step time (ms); undefined until one was measured. */
  get plainMs(): number | undefined {
    return this.plain;
  }

  recordPlain(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    this.plain = this.plain === undefined ? ms : this.plain + PLAIN_EMA * (ms - this.plain);
    this.fade(PLAIN_STEP_FORGET);
  }

  /** Records one verification batch of `tokens` tokens that took `ms`. */
  recordBatch(tokens: number, ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0 || tokens < 1) return;
    this.fade(COST_DECAY);
    this.weight += 1;
    this.sumN += tokens;
    this.sumC += ms;
    this.sumNN += tokens * tokens;
    this.sumNC += tokens * ms;
  }

  private fade(factor: number): void {
    this.weight *= factor;
    this.sumN *= factor;
    this.sumC *= factor;
    this.sumNN *= factor;
    this.sumNC *= factor;
  }

  /** The fitted `a + b * n` (ms) given the current plain step time; undefined before a plain step was measured. */
  batchModel(): { a: number; b: number } | undefined {
    const plain = this.plain;
    if (plain === undefined) return undefined;
    // The prior enters as two pseudo-observations, at 2 and 17 tokens, that real ones soon outweigh.
    let weight = this.weight;
    let sumN = this.sumN;
    let sumC = this.sumC;
    let sumNN = this.sumNN;
    let sumNC = this.sumNC;
    for (const n of [2, 17]) {
      const cost = plain * (1 + n * PRIOR_BATCH_TOKEN_COST);
      weight += PRIOR_COST_WEIGHT;
      sumN += PRIOR_COST_WEIGHT * n;
      sumC += PRIOR_COST_WEIGHT * cost;
      sumNN += PRIOR_COST_WEIGHT * n * n;
      sumNC += PRIOR_COST_WEIGHT * n * cost;
    }
    const denominator = weight * sumNN - sumN * sumN;
    const minSlope = plain * 0.01;
    let b = denominator > 1e-9 ? (weight * sumNC - sumN * sumC) / denominator : plain * PRIOR_BATCH_TOKEN_COST;
    if (!Number.isFinite(b) || b < minSlope) b = minSlope;
    const a = Math.max(0, (sumC - b * sumN) / weight);
    return { a, b };
  }
}

/** The draft length that promises the most output per millisecond, with the speedup it promises over plain steps. */
export interface DraftChoice {
  /** Draft tokens to verify; 0 = take a plain step. */
  readonly tokens: number;
  /** Expected output tokens per ms of the speculative step, over those of a plain step. */
  readonly gain: number;
}

/**
 * Picks the draft length k (up to `available`) that maximises the expected output per
 * millisecond: with p_i the chance that drafted token i is right given those before it are, a
 * step emits on average 1 + p_1 + p_1 p_2 + ... + p_1...p_k tokens (the accepted prefix, then the
 * model's own next token) for the cost of a batch of `pending + k` tokens. `acceptance` holds
 * one rate per position (the last repeats). Returns 0 when no length beats a plain step by
 * MIN_SPECULATIVE_GAIN.
 */
export function chooseDraftLength(input: {
  acceptance: readonly number[];
  available: number;
  pending: number;
  plainMs: number;
  batch: { a: number; b: number };
}): DraftChoice {
  const rates = input.acceptance;
  let best: DraftChoice = { tokens: 0, gain: 1 };
  let expected = 1;
  let power = 1;
  for (let k = 1; k <= input.available; k += 1) {
    power *= Math.min(Math.max(rates[Math.min(k - 1, rates.length - 1)] ?? 0, 0), 1);
    expected += power;
    const cost = input.batch.a + input.batch.b * (input.pending + k);
    const gain = (expected * input.plainMs) / cost;
    if (gain > best.gain) best = { tokens: k, gain };
  }
  return best.gain >= MIN_SPECULATIVE_GAIN ? best : { tokens: 0, gain: best.gain };
}
