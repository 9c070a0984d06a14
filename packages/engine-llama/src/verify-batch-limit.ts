import type { ControlledEvaluateInputItem, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { rawProbabilities } from './raw-probabilities.js';
import type { SequenceGate } from './sequence-gate.js';

/**
 * Code, as speculation mostly sees it; any text works, the probe only compares two ways of
 * evaluating the same tokens.
 */
const PROBE_TEXT = `export function mergeRecords(records: Record<string, number>[], limit: number): Map<string, number> {
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
`;
/**
 * Tokens evaluated before the probed ones: attention kernels split long histories across threads
 * differently from short ones, so the probe reads a history of a typical edit prompt's order.
 */
const PROBE_HISTORY_TOKENS = 256;
/** Top two probabilities: a fingerprint of the logits that any rounding change alters. */
const FINGERPRINT = rawProbabilities(2);

export interface ExactBatchProbe {
  /** An idle sequence; cleared before and after. */
  readonly sequence: LlamaContextSequence;
  readonly gate: SequenceGate;
  readonly model: LlamaModel;
  /** Largest batch worth knowing about (the engine's verification cap). */
  readonly maxBatchTokens: number;
  /** Switches to the verification thread count; returns the switch back. One-token steps run at the decode count. */
  readonly beginVerify: () => () => void;
  readonly signal?: AbortSignal;
}

/**
 * The largest batch (up to `maxBatchTokens`) whose logits equal those of one-token steps bit
 * for bit, on this model, build and thread setup. llama.cpp picks matrix kernels by batch size
 * and quant type (measured: SmolLM2 Q4_1 equal below 64 tokens, Gemma 3 Q4_K_M only below 4),
 * and a multi-threaded one-token step can split attention differently again; a greedy choice
 * flips wherever the two computations differ by more than its margin, which is not only at
 * near-ties. Measured, not assumed: one-token steps over the probe, then batches of growing
 * size compared position by position. Returns 1 when no batch is exact.
 */
export async function measureExactBatchLimit(probe: ExactBatchProbe): Promise<number> {
  const { sequence, gate, model, signal } = probe;
  let tokens = model.tokenize(PROBE_TEXT, false);
  while (tokens.length < PROBE_HISTORY_TOKENS + probe.maxBatchTokens) tokens = [...tokens, ...tokens];
  const history = tokens.slice(0, PROBE_HISTORY_TOKENS);
  const probed = tokens.slice(PROBE_HISTORY_TOKENS, PROBE_HISTORY_TOKENS + probe.maxBatchTokens);
  try {
    await gate.run(() => sequence.clearHistory());
    await gate.run(() => sequence.evaluateWithoutGeneratingNewTokens(history));
    const base = sequence.nextTokenIndex;
    const single: string[] = [];
    for (const token of probed) {
      signal?.throwIfAborted();
      const [result] = await gate.run(() => sequence.controlledEvaluate([[token, FINGERPRINT]]));
      single.push(fingerprint(result?.next.probabilities));
    }
    const exact = async (size: number): Promise<boolean> => {
      signal?.throwIfAborted();
      await gate.run(() => sequence.eraseContextTokenRanges([{ start: base, end: sequence.nextTokenIndex }]));
      const items = probed.slice(0, size).map((token): ControlledEvaluateInputItem => [token, FINGERPRINT]);
      const end = probe.beginVerify();
      let results: Awaited<ReturnType<LlamaContextSequence['controlledEvaluate']>>;
      try {
        results = await gate.run(() => sequence.controlledEvaluate(items));
      } finally {
        end();
      }
      return items.every((_, index) => fingerprint(results[index]?.next.probabilities) === single[index]);
    };
    // Grow until a size fails, then bisect between the last exact size and it.
    let good = 1;
    let bad: number | undefined;
    for (let size = 2; ; size *= 2) {
      const tried = Math.min(size, probe.maxBatchTokens);
      if (!(await exact(tried))) {
        bad = tried;
        break;
      }
      good = tried;
      if (tried === probe.maxBatchTokens) break;
    }
    while (bad !== undefined && bad - good > 1) {
      const middle = (good + bad) >>> 1;
      if (await exact(middle)) good = middle;
      else bad = middle;
    }
    return good;
  } finally {
    await gate.run(() => sequence.clearHistory());
  }
}

function fingerprint(probabilities: ReadonlyMap<Token, number> | undefined): string {
  if (!probabilities) return 'none';
  return [...probabilities].map(([token, probability]) => `${token}:${probability}`).join(',');
}
