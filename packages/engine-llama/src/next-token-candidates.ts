import type { ControlledEvaluateInputItem, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { EngineError } from '@spark/engine';
import { prefillChunks } from './prefill-chunks.js';
import { rawProbabilities } from './raw-probabilities.js';
import type { SequenceGate } from './sequence-gate.js';

/** Candidates reported per evaluation mode unless the caller asks otherwise. */
export const DEFAULT_CANDIDATES = 5;
/** Preceding tokens given to the detokenizer, as the decode loop gives its first output tokens. */
const CONTEXT_TOKENS = 8;

/** The raw softmax over the whole vocabulary. */
const RAW_PROBABILITIES = rawProbabilities(0);

/** One possible next token. */
export interface TokenCandidate {
  readonly token: number;
  /** The token's text after the tokens before it (U+FFFD where it is only part of a character). */
  readonly text: string;
  readonly probability: number;
}

/** The batch the `batched` candidates come from. */
export interface CandidateBatch {
  /** Output index of its first token. */
  readonly start: number;
  /** Its length: output tokens up to the position, then the output's continuation (later rows do not affect earlier ones but the batch's kernels). */
  readonly tokens: number;
  /** Batches evaluated: one, or the starts `verifyBatchTokens` allows up to the first that flips. */
  readonly tried: number;
  /** This batch ranks another token above the single-step top token. */
  readonly flipped: boolean;
}

/** The most likely next tokens after a prompt and some output, evaluated the two ways decoding does. */
export interface NextTokenCandidates {
  /** The output tokens evaluated after the prompt (the output text's, cut by `commonPrefixWith`). */
  readonly outputTokens: readonly number[];
  /** Their text. */
  readonly outputText: string;
  /** Output tokens evaluated one per step, as plain decoding does; most likely first. */
  readonly single: readonly TokenCandidate[];
  /** Output tokens evaluated in a batch, as a speculative verification step does; most likely first. */
  readonly batched: readonly TokenCandidate[];
  readonly batch: CandidateBatch;
}

export interface NextTokenCandidatesOptions {
  /** Candidates per mode (default DEFAULT_CANDIDATES). */
  readonly top?: number;
  readonly signal?: AbortSignal;
  /**
   * Another output for the same prompt: evaluate only the leading output tokens whose text is a
   * prefix of this one too, i.e. stop where the two generations parted. Done here because the
   * tokenizer is the engine's.
   */
  readonly commonPrefixWith?: string;
  /**
   * Meet the position the way a verification batch of this many tokens would: try the batches of
   * this size that hold the last output token (the output before each evaluated one token per
   * step), from the earliest start, until one ranks another token first; report that one, or the
   * one least favourable to the single-step top token. Without it, one batch of the whole output.
   * A batch's rounding depends on its size and on the rows before the position in it, so a
   * whole-output batch seldom reproduces the one a speculative run used.
   */
  readonly verifyBatchTokens?: number;
}

export interface CandidateProbe {
  /** A leased sequence; left holding the prompt and some of the output. */
  readonly sequence: LlamaContextSequence;
  readonly gate: SequenceGate;
  readonly model: LlamaModel;
  readonly promptTokens: readonly Token[];
  readonly outputText: string;
  readonly prefillChunkTokens: number;
  readonly top: number;
  readonly commonPrefixWith: string | undefined;
  readonly verifyBatchTokens: number | undefined;
  readonly signal: AbortSignal;
  readonly beginPrefill: () => () => void;
  readonly beginVerify: () => () => void;
}

/**
 * Replays a generation's output on a sequence and reads the next-token distribution twice: after
 * stepping through the output one token at a time, and with the last output token inside a
 * batch. Greedy speculative decoding equals plain decoding except where the two round a near-tie
 * differently; this shows the numbers at such a position. The prompt is prefilled cold in the
 * decode loop's chunks (as with prefix reuse off), so its KV cache is what plain decoding saw.
 */
export async function probeNextTokenCandidates(probe: CandidateProbe): Promise<NextTokenCandidates> {
  const { sequence, gate, model, signal, verifyBatchTokens } = probe;
  if (!Number.isInteger(probe.top) || probe.top < 1) throw new RangeError('top must be a positive integer');
  if (verifyBatchTokens !== undefined && (!Number.isInteger(verifyBatchTokens) || verifyBatchTokens < 1)) throw new RangeError('verifyBatchTokens must be a positive integer');
  const prompt = probe.promptTokens as Token[];
  const all = model.tokenize(probe.outputText, false, 'trimLeadingSpace');
  const context = prompt.slice(-CONTEXT_TOKENS);
  const detokenize = (tokens: readonly Token[]): string => model.detokenize(tokens, true, context);
  const output = probe.commonPrefixWith === undefined ? all : all.slice(0, commonTokenPrefix(all, detokenize, probe.outputText, probe.commonPrefixWith));
  const position = output.length;
  // Batches of `size` tokens from output index `first` to `last`, each holding the last output token.
  const size = verifyBatchTokens ?? position;
  const first = Math.max(0, position - size);
  const last = verifyBatchTokens === undefined ? 0 : Math.max(0, position - 1);
  const needed = prompt.length + Math.max(position, last + size);
  if (needed >= sequence.contextSize) {
    throw new EngineError('context_length_exceeded', `The probe needs ${needed} tokens, but the sequence holds ${sequence.contextSize}.`, { param: 'input' });
  }

  const candidates = (probabilities: ReadonlyMap<Token, number>): TokenCandidate[] => {
    const tail = [...prompt, ...output].slice(-CONTEXT_TOKENS);
    const top: TokenCandidate[] = [];
    for (const [token, probability] of probabilities) {
      if (top.length >= probe.top) break;
      top.push({ token, text: model.detokenize([token], true, tail), probability });
    }
    return top;
  };
  /** Evaluates `tokens` in one batch; returns the next-token probabilities after `tokens[at]`. */
  const evaluate = async (tokens: readonly Token[], at = tokens.length - 1): Promise<ReadonlyMap<Token, number>> => {
    signal.throwIfAborted();
    const items = tokens.map((token, index): ControlledEvaluateInputItem => (index === at ? [token, RAW_PROBABILITIES] : token));
    const results = await gate.run(() => sequence.controlledEvaluate(items));
    const probabilities = results[at]?.next.probabilities;
    if (!probabilities) throw new EngineError('internal', 'The model returned no next-token probabilities.');
    return probabilities;
  };
  /** Prefills the prompt cold, in the decode loop's chunks; returns the probabilities after its last token. */
  const prefill = async (): Promise<ReadonlyMap<Token, number>> => {
    const endPrefill = probe.beginPrefill();
    try {
      await gate.run(() => sequence.clearHistory());
      const next = await prefillChunks(sequence, gate, prompt, 0, probe.prefillChunkTokens, signal);
      return await evaluate(prompt.slice(next));
    } finally {
      endPrefill();
    }
  };
  /** Plain decoding steps, without the logits: the KV cache a step leaves does not depend on them. */
  const step = async (tokens: readonly Token[]): Promise<void> => {
    for (const token of tokens) {
      signal.throwIfAborted();
      await gate.run(() => sequence.evaluateWithoutGeneratingNewTokens([token]));
    }
  };
  /** Keeps the prompt and the first `count` output tokens (stepped); a cache that cannot drop a tail (recurrent or sliding-window state) replays them. */
  const rewindTo = async (count: number): Promise<void> => {
    if (sequence.needsCheckpoints) {
      await prefill();
      await step(output.slice(0, count));
    } else if (sequence.nextTokenIndex > prompt.length + count) {
      await gate.run(() => sequence.eraseContextTokenRanges([{ start: prompt.length + count, end: sequence.nextTokenIndex }]));
    }
  };

  const afterPrompt = await prefill();
  if (position === 0) {
    // Right after the prompt both modes are the same evaluation.
    const both = candidates(afterPrompt);
    return { outputTokens: [], outputText: '', single: both, batched: both, batch: { start: 0, tokens: 0, tried: 0, flipped: false } };
  }
  await step(output.slice(0, -1));
  const single = await evaluate(output.slice(-1));
  const favourite = single.keys().next().value;

  // The output's own continuation fills a batch past the position, as a draft would.
  const batchAt = (start: number): Token[] => Array.from({ length: size }, (_, index) => (all[start + index] ?? all[all.length - 1]) as Token);
  let worst: { start: number; probabilities: ReadonlyMap<Token, number>; margin: number } | undefined;
  let tried = 0;
  await rewindTo(first);
  for (let start = first; start <= last && !(worst && worst.margin < 0); start += 1) {
    tried += 1;
    const endVerify = probe.beginVerify();
    let probabilities: ReadonlyMap<Token, number>;
    try {
      probabilities = await evaluate(batchAt(start), position - 1 - start);
    } finally {
      endVerify();
    }
    const margin = marginOf(probabilities, favourite);
    if (!worst || margin < worst.margin) worst = { start, probabilities, margin };
    await rewindTo(start);
    if (start < last && margin >= 0) await step(output.slice(start, start + 1));
  }
  if (!worst) throw new EngineError('internal', 'No batch was evaluated.');
  return {
    outputTokens: output,
    outputText: detokenize(output),
    single: candidates(single),
    batched: candidates(worst.probabilities),
    batch: { start: worst.start, tokens: size, tried, flipped: worst.margin < 0 },
  };
}

/** How far `token` leads the most likely other token (negative: another token ranks first). */
function marginOf(probabilities: ReadonlyMap<Token, number>, token: Token | undefined): number {
  const own = token === undefined ? 0 : probabilities.get(token) ?? 0;
  for (const [other, probability] of probabilities) if (other !== token) return own - probability;
  return own;
}

/**
 * How many leading `tokens` (the tokenized `text`) make up a text that is a prefix of both `text`
 * and `other`. Each prefix is detokenized whole, so a token boundary inside a multibyte
 * character (whose text ends in U+FFFD) never counts as common.
 */
export function commonTokenPrefix<T extends number>(tokens: readonly T[], detokenize: (tokens: readonly T[]) => string, text: string, other: string): number {
  let chars = 0;
  while (chars < text.length && chars < other.length && text[chars] === other[chars]) chars += 1;
  const common = text.slice(0, chars);
  let best = 0;
  for (let count = 1; count <= tokens.length; count += 1) {
    const prefix = detokenize(tokens.slice(0, count));
    if (common.startsWith(prefix)) best = count;
    // Later prefixes only extend the complete characters, so once those differ none can match.
    else if (!common.startsWith(prefix.replace(/\uFFFD+$/, ''))) break;
  }
  return best;
}
