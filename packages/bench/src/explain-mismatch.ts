import type { GenerateRequest } from '@spark/engine';
import { MAX_VERIFY_BATCH_TOKENS, type LlamaEngine } from '@spark/engine-llama';

/**
 * Two candidates this close are a near-tie: their relative gap, (p1 - p2) / p1, is under 5%, a
 * log-probability gap of about 0.05. Batched and one-token evaluation round differently: on
 * SmolLM2 Q4_1 on CPU, batches of under 64 tokens matched one-token steps bit for bit, while
 * 64-65-token batches (a full draft) and longer ones moved the top two's log-probability gap by
 * 0.03 (median) to 0.4. A gap under 5% is one even a typical shift can flip; a wider one counts
 * only when a replayed batch is seen to flip it.
 */
export const NEAR_TIE_RELATIVE_GAP = 0.05;

/** Candidates asked for per mode: enough to find plain's top two in the batched ranking too. */
const CANDIDATES = 8;

type Candidates = Awaited<ReturnType<LlamaEngine['nextTokenCandidates']>>;
type Candidate = Candidates['single'][number];

export interface MismatchExplanation {
  /** One line: the output token where the outputs part and both modes' top two probabilities. */
  readonly line: string;
  /** A replayed batch ranks another token first, or the top two are within NEAR_TIE_RELATIVE_GAP in either mode. */
  readonly nearTie: boolean;
}

export interface ExplainMismatchOptions {
  /** The engine that produced `plain` (plain greedy decoding). */
  readonly engine: Pick<LlamaEngine, 'nextTokenCandidates'>;
  /** The request both outputs answer (its sampling and prediction play no part). */
  readonly request: GenerateRequest;
  readonly plain: string;
  /** The output that differs, e.g. from speculative decoding. */
  readonly other: string;
  /** The longest verification batch the speculative engine ran: a pending token and a full draft (default). */
  readonly verifyBatchTokens?: number;
  readonly signal?: AbortSignal;
}

/**
 * Explains why greedy `other` differs from greedy `plain`: finds the last token boundary of plain
 * where both outputs still agree and reads the next-token candidates there, stepped one token at
 * a time (as plain decoding ran) and inside the verification batches that could have met that
 * position (a speculative run's batch boundaries are not in its output, so all are tried).
 */
export async function explainMismatch(options: ExplainMismatchOptions): Promise<MismatchExplanation> {
  const { plain, other } = options;
  const probe = await options.engine.nextTokenCandidates(options.request, plain, {
    top: CANDIDATES, commonPrefixWith: other, verifyBatchTokens: options.verifyBatchTokens ?? MAX_VERIFY_BATCH_TOKENS,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const [first, second] = probe.single;
  if (!first || !second) return { line: `at output token ${probe.outputTokens.length}: no candidates`, nearTie: false };
  const { batch } = probe;
  const nearTie = batch.flipped || relativeGap(first, second) < NEAR_TIE_RELATIVE_GAP || relativeGap(probe.batched[0], probe.batched[1]) < NEAR_TIE_RELATIVE_GAP;

  const inBatched = (candidate: Candidate): string => number(probe.batched.find((item) => item.token === candidate.token)?.probability);
  const gap = first.probability - second.probability;
  const where = batch.tried === 0 ? 'no batch: the first output token is sampled from the prompt'
    : batch.flipped ? `${batch.tokens}-token batch from output token ${batch.start}, the first of ${batch.tried} tried that ranks another token first`
    : `least favourable of ${batch.tried} ${batch.tokens}-token batches, from output token ${batch.start}; none ranks another token first`;
  const gapText = `gap ${number(gap)} (${percent(gap / first.probability)})`;
  const verdict = batch.flipped ? `near-tie: the batch ranks ${quote(probe.batched[0])} first; single ${gapText}`
    : nearTie ? `near-tie, ${gapText}, under ${percent(NEAR_TIE_RELATIVE_GAP)} in one mode` : `NOT a near-tie, ${gapText}`;
  // The replay re-tokenizes plain's text; had it stepped another path, its pick would not be plain's next text.
  const rest = plain.slice(probe.outputText.length);
  const replayed = rest === '' || rest.startsWith(first.text) ? '' : `; replay disagrees: plain goes on ${JSON.stringify(rest.slice(0, 12))}`;
  return {
    line: `at output token ${probe.outputTokens.length} plain picks ${quote(first)} (single ${number(first.probability)} vs ${quote(second)} ${number(second.probability)}; `
      + `batched ${quote(first)} ${inBatched(first)} vs ${quote(second)} ${inBatched(second)} in the ${where}): ${verdict}${replayed}`,
    nearTie,
  };
}

function relativeGap(first: Candidate | undefined, second: Candidate | undefined): number {
  return first && second ? (first.probability - second.probability) / first.probability : Infinity;
}

function quote(candidate: Candidate | undefined): string {
  return JSON.stringify(candidate?.text ?? '');
}

function number(value: number | undefined): string {
  return value === undefined ? `not in top ${CANDIDATES}` : value.toFixed(4);
}

function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}
