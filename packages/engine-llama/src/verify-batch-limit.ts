import { createHash } from 'node:crypto';
import type { ControlledEvaluateInputItem, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { rawProbabilities } from './raw-probabilities.js';
import type { SequenceGate } from './sequence-gate.js';

/**
 * Texts probed, each from its start: code, as speculation mostly sees it, then prose and a
 * listing. How far a batch is off varies from position to position (measured on Gemma 3: at
 * most 0.02 over one stretch of 63 tokens, 0.18 at a single position of another), so one
 * stretch of text can miss what another shows.
 */
const PROBE_TEXTS = [`export function mergeRecords(records: Record<string, number>[], limit: number): Map<string, number> {
  const totals = new Map<string, number>();
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      const next = (totals.get(key) ?? 0) + value;
      if (next > limit) throw new RangeError(\`\${key} is over the limit: \${next} > \${limit}\`);
      totals.set(key, next);
    }
  }
  return totals;
}

def parse_header(line):
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()
`, `Here is the updated file. I renamed the helper and kept everything else as it was, so the
tests should still pass; let me know if you want the old name kept as an alias.

1. The cache now expires entries after ten minutes instead of an hour.
2. \`fetchUser\` retries twice on a timeout before it gives up.

| option | default | meaning |
| --- | --- | --- |
| --port | 8080 | where the server listens |

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
\tid := r.URL.Query().Get("id")
\tif id == "" {
\t\thttp.Error(w, "missing id", http.StatusBadRequest)
\t\treturn
\t}
}
`];
/**
 * Tokens evaluated before the probed ones: attention kernels split long histories across threads
 * differently from short ones, so the probe reads a history of a typical edit prompt's order.
 */
const PROBE_HISTORY_TOKENS = 256;
/** Top probabilities compared per position: the one-token step's top two are looked up among the batch's top four. */
const COMPARED_CANDIDATES = 4;
const COMPARED = rawProbabilities(COMPARED_CANDIDATES);
const TOP_COMPARED = 2;
/** Bump when the measurement changes in a way the constants above do not show. */
const PROBE_REVISION = 1;

/** Identity of this probe: a limit measured by another probe (other texts, other comparison) is not reused. */
export const VERIFY_PROBE_ID = createHash('sha256').update(JSON.stringify({ PROBE_REVISION, PROBE_TEXTS, PROBE_HISTORY_TOKENS, COMPARED_CANDIDATES, TOP_COMPARED })).digest('hex').slice(0, 16);

export interface VerifyBatchProbe {
  /** An idle sequence; cleared before and after. */
  readonly sequence: LlamaContextSequence;
  readonly gate: SequenceGate;
  readonly model: LlamaModel;
  /** Largest batch worth knowing about (the engine's verification cap). */
  readonly maxBatchTokens: number;
  /**
   * Largest difference in a top-two token's probability (temperature 1) a batch may show against
   * one-token steps at any probed position: 0 = bit-identical.
   */
  readonly tolerance: number;
  /** Switches to the verification thread count; returns the switch back. One-token steps run at the decode count. */
  readonly beginVerify: () => () => void;
  readonly signal?: AbortSignal;
}

/**
 * The largest batch (up to `maxBatchTokens`) whose next-token probabilities stay within
 * `tolerance` of those of one-token steps, on this model, build and thread setup. llama.cpp picks
 * matrix kernels by batch size and quant type (measured: SmolLM2 Q4_1 bit-identical below 64
 * tokens and 20 points off from 64; Gemma 3 Q4_K_M identical below 4, about 0.01 off at 8-16 and
 * 0.18 at 63), and a multi-threaded one-token step splits attention differently again (about
 * 0.03-0.05 at any size). A greedy choice flips only where its top two are closer than twice the
 * difference, so a small tolerance confines flips to near-ties, and 0 rules them out. Measured,
 * not assumed: one-token steps over the probe, then batches of growing size compared position by
 * position, on each probe text. Returns 1 when no batch qualifies.
 */
export async function measureVerifyBatchLimit(probe: VerifyBatchProbe): Promise<number> {
  let limit = probe.maxBatchTokens;
  try {
    for (const text of PROBE_TEXTS) {
      if (limit < 2) break;
      limit = await largestBatchWithin(probe, text, limit);
    }
    return limit;
  } finally {
    await probe.gate.run(() => probe.sequence.clearHistory());
  }
}

/** The largest batch up to `maxBatchTokens` within the probe's tolerance on one text. */
async function largestBatchWithin(probe: VerifyBatchProbe, text: string, maxBatchTokens: number): Promise<number> {
  const { sequence, gate, model, signal } = probe;
  let tokens = model.tokenize(text, false);
  while (tokens.length < PROBE_HISTORY_TOKENS + maxBatchTokens) tokens = [...tokens, ...tokens];
  const history = tokens.slice(0, PROBE_HISTORY_TOKENS);
  const probed = tokens.slice(PROBE_HISTORY_TOKENS, PROBE_HISTORY_TOKENS + maxBatchTokens);
  await gate.run(() => sequence.clearHistory());
  await gate.run(() => sequence.evaluateWithoutGeneratingNewTokens(history));
  const base = sequence.nextTokenIndex;
  const single: (ReadonlyMap<Token, number> | undefined)[] = [];
  for (const token of probed) {
    signal?.throwIfAborted();
    const [result] = await gate.run(() => sequence.controlledEvaluate([[token, COMPARED]]));
    single.push(result?.next.probabilities);
  }
  const within = async (size: number): Promise<boolean> => {
    signal?.throwIfAborted();
    await gate.run(() => sequence.eraseContextTokenRanges([{ start: base, end: sequence.nextTokenIndex }]));
    const items = probed.slice(0, size).map((token): ControlledEvaluateInputItem => [token, COMPARED]);
    const end = probe.beginVerify();
    let results: Awaited<ReturnType<LlamaContextSequence['controlledEvaluate']>>;
    try {
      results = await gate.run(() => sequence.controlledEvaluate(items));
    } finally {
      end();
    }
    return items.every((_, index) => probabilityDeviation(single[index], results[index]?.next.probabilities) <= probe.tolerance);
  };
  // Grow until a size fails, then bisect between the last good size and it.
  let good = 1;
  let bad: number | undefined;
  for (let size = 2; ; size *= 2) {
    const tried = Math.min(size, maxBatchTokens);
    if (!(await within(tried))) {
      bad = tried;
      break;
    }
    good = tried;
    if (tried === maxBatchTokens) break;
  }
  while (bad !== undefined && bad - good > 1) {
    const middle = (good + bad) >>> 1;
    if (await within(middle)) good = middle;
    else bad = middle;
  }
  return good;
}

/**
 * How far a batch's next-token probabilities are from a one-token step's: the largest difference
 * over the step's top two tokens, 1 when either is missing from the batch's list (or a list is).
 * Exactly 0 only when both computations agree bit for bit on them.
 */
export function probabilityDeviation(single: ReadonlyMap<number, number> | undefined, batched: ReadonlyMap<number, number> | undefined): number {
  if (!single || !batched || single.size === 0) return 1;
  let deviation = 0;
  let compared = 0;
  for (const [token, probability] of single) {
    if (compared++ >= TOP_COMPARED) break;
    const other = batched.get(token);
    if (other === undefined) return 1;
    deviation = Math.max(deviation, Math.abs(probability - other));
  }
  return deviation;
}
