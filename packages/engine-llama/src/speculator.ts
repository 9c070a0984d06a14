import type { SpeculationTimings } from './llama-engine-event.js';
import { DraftCursor } from './draft-cursor.js';
import { chooseDraftLength, StepCosts, StreakAcceptance } from './speculation-policy.js';
import { TokenIndex } from './token-index.js';

/** Where a draft came from: the client's predicted output, or the prompt and output so far. */
export type DraftSource = 'prediction' | 'lookup';

/** Output tokens that must match the prediction before a lost cursor re-anchors in it. */
const PREDICTION_MIN_MATCH = 2;
/** Prompt lookup needs a longer match: any text repeats a pair of tokens somewhere. */
const LOOKUP_MIN_MATCH = 3;
/**
 * Longest match measured when re-anchoring. Code repeats itself (similar functions, the same
 * statement shapes), so a short match is often found in the wrong place; a long one tells them apart.
 */
const MAX_MATCH = 48;
/** Starting acceptance estimates: a prediction is usually right, a lookup match often is not. */
const PREDICTION_PRIOR = 0.9;
const LOOKUP_PRIOR = 0.5;
const PRIOR_WEIGHT = 4;

/** Per-trial decay of a model's acceptance memory: each streak bucket remembers its last few hundred trials. */
const MEMORY_DECAY = 0.995;

/**
 * What a model's generations share for speculation: measured step costs, and each draft
 * source's acceptance per streak over recent generations.
 */
export class SpeculationMemory {
  readonly costs = new StepCosts();
  readonly acceptance: Readonly<Record<DraftSource, StreakAcceptance>> = {
    prediction: new StreakAcceptance(PREDICTION_PRIOR, PRIOR_WEIGHT, { decay: MEMORY_DECAY }),
    lookup: new StreakAcceptance(LOOKUP_PRIOR, PRIOR_WEIGHT, { decay: MEMORY_DECAY }),
  };
}

export interface SpeculatorOptions {
  readonly promptTokens: readonly number[];
  /** The tokenized `prediction`, when the request has one. */
  readonly predictionTokens?: readonly number[];
  /** Draft from the prompt and output so far (prompt lookup). */
  readonly lookup: boolean;
  /** The model's measured step costs and acceptance, shared with its other generations. */
  readonly memory: SpeculationMemory;
  /** Longest draft one step verifies. */
  readonly maxDraftTokens: number;
  /** Most tokens one verification batch holds, pending tokens and draft together (default: no limit beyond the draft's). */
  readonly maxBatchTokens?: number;
}

export interface Draft {
  readonly tokens: readonly number[];
  readonly source: DraftSource;
}

interface Source {
  readonly name: DraftSource;
  readonly cursor: DraftCursor;
  readonly acceptance: StreakAcceptance;
}

/**
 * One generation's speculative decoding: keeps draft cursors on the prediction and on the prompt
 * plus output (prompt lookup), tracks how often each is right, and decides before every step
 * whether verifying a draft (and how long a one) promises more output per millisecond than a
 * plain step, from the model's measured step costs. Counts what it did for usage and timings.
 */
export class Speculator {
  private readonly sources: Source[] = [];
  private readonly history: TokenIndex;
  private readonly output = new TokenIndex();
  private readonly costs: StepCosts;
  private readonly maxDraftTokens: number;
  private readonly maxBatchTokens: number;
  private readonly counts = { steps: 0, draftedTokens: 0, acceptedTokens: 0, outputTokens: 0, verifyMs: 0, draftableTokens: 0, draftableRuns: 0 };
  /** Whether the last output token was one a source expected. */
  private inDraftableRun = false;
  private acceptedPrediction = 0;
  private rejectedPrediction = 0;

  constructor(options: SpeculatorOptions) {
    const { memory } = options;
    this.costs = memory.costs;
    this.maxDraftTokens = options.maxDraftTokens;
    this.maxBatchTokens = options.maxBatchTokens ?? Infinity;
    this.history = new TokenIndex(options.promptTokens);
    if (options.predictionTokens && options.predictionTokens.length > 0) {
      this.sources.push({
        name: 'prediction',
        cursor: new DraftCursor(new TokenIndex(options.predictionTokens), this.output, { start: 0, minMatch: PREDICTION_MIN_MATCH, maxMatch: MAX_MATCH }),
        acceptance: new StreakAcceptance(PREDICTION_PRIOR, PRIOR_WEIGHT, { shared: memory.acceptance.prediction }),
      });
    }
    if (options.lookup) {
      this.sources.push({
        name: 'lookup',
        cursor: new DraftCursor(this.history, this.history, { minMatch: LOOKUP_MIN_MATCH, maxMatch: MAX_MATCH }),
        acceptance: new StreakAcceptance(LOOKUP_PRIOR, PRIOR_WEIGHT, { shared: memory.acceptance.lookup }),
      });
    }
  }

  /**
   * The draft to verify next, after `pending` tokens that the step evaluates first; undefined
   * when a plain step promises as much. `limit` caps the draft (output and context room).
   */
  plan(pending: number, limit: number): Draft | undefined {
    const plainMs = this.costs.plainMs;
    const batch = this.costs.batchModel();
    const room = Math.min(limit, this.maxDraftTokens, this.maxBatchTokens - pending);
    if (plainMs === undefined || !batch || room < 1) return undefined;
    let best: { draft: Draft; gain: number } | undefined;
    for (const source of this.sources) {
      const tokens = source.cursor.draft(room);
      if (tokens.length === 0) continue;
      const choice = chooseDraftLength({ acceptance: source.acceptance.along(source.cursor.streak, tokens.length), available: tokens.length, pending, plainMs, batch });
      if (choice.tokens > 0 && (!best || choice.gain > best.gain)) best = { draft: { tokens: tokens.slice(0, choice.tokens), source: source.name }, gain: choice.gain };
    }
    return best?.draft;
  }

  /** A plain step emitted `token` in `ms`; `measured` is false for a step whose time is not a decode step's (the first). */
  plainStep(token: number, ms: number, measured: boolean): void {
    if (measured) this.costs.recordPlain(ms);
    this.push(token, undefined);
  }

  /**
   * A verification step of `batchTokens` tokens took `ms`: `drafted` tokens from `source`, of
   * which `accepted` matched, and `emitted` tokens of its output were used (`accepted` + 1, or
   * fewer when the generation stopped inside them).
   */
  verified(step: { source: DraftSource; batchTokens: number; drafted: number; accepted: number; ms: number; emitted: readonly number[] }): void {
    this.costs.recordBatch(step.batchTokens, step.ms);
    const source = this.sources.find((entry) => entry.name === step.source);
    source?.acceptance.record(source.cursor.streak, step.accepted, step.accepted < step.drafted ? step.accepted + 1 : step.accepted);
    const used = Math.min(step.accepted, step.emitted.length);
    this.counts.steps += 1;
    this.counts.draftedTokens += step.drafted;
    this.counts.acceptedTokens += used;
    this.counts.outputTokens += step.emitted.length;
    this.counts.verifyMs += step.ms;
    if (step.source === 'prediction') {
      this.acceptedPrediction += used;
      this.rejectedPrediction += step.drafted - used;
    }
    for (const token of step.emitted) this.push(token, step.source);
  }

  /** Prediction tokens verified and used, and verified and thrown away, for usage. */
  predictionUsage(): { acceptedPredictionTokens: number; rejectedPredictionTokens: number } {
    return { acceptedPredictionTokens: this.acceptedPrediction, rejectedPredictionTokens: this.rejectedPrediction };
  }

  timings(): SpeculationTimings {
    return { ...this.counts };
  }

  /**
   * Appends an output token: every source that did not draft it learns, for free, whether its
   * next token would have been right; the token counts as draftable when any source expected
   * it; then all cursors move past it.
   */
  private push(token: number, draftedBy: DraftSource | undefined): void {
    let draftable = false;
    for (const source of this.sources) {
      const expected = source.cursor.expected();
      if (expected === token) draftable = true;
      if (source.name !== draftedBy && expected !== undefined) source.acceptance.record(source.cursor.streak, expected === token ? 1 : 0, 1);
    }
    if (draftable) {
      this.counts.draftableTokens += 1;
      if (!this.inDraftableRun) this.counts.draftableRuns += 1;
    }
    this.inDraftableRun = draftable;
    this.history.push(token);
    this.output.push(token);
    for (const source of this.sources) source.cursor.advance(token);
  }
}
