import { SpecialTokensText, type LlamaModel, type LlamaText, type Token } from 'node-llama-cpp';
import { dropLeadingChars, matchLeadingPlainText, type SplitSpecialText } from './llama-text-prefix.js';

/** Prompt tokens given to the detokenizer as context for the output's first token. */
const PROMPT_TAIL_TOKENS = 8;

export interface AlignedOutput {
  /** Leading output tokens whose text starts `text`. */
  readonly kept: number;
  /** `text` after those tokens' text. */
  readonly rest: LlamaText;
}

/**
 * Lines a generation's output tokens (as they sit in the KV cache) up with the text that a
 * re-render of the conversation puts after the prompt: keeps the longest run of leading tokens
 * whose text begins it. What the model sampled stays as sampled even where a fresh tokenization
 * would split it differently; tokens whose text the render does not have (held-back text of an
 * aborted turn, a half character, a peek past a call) are dropped.
 */
export function alignOutput(model: LlamaModel, text: LlamaText, output: readonly Token[], prompt: readonly Token[]): AlignedOutput {
  // Special tokens never appear as plain text in a render.
  let limit = output.findIndex((token) => model.isSpecialToken(token));
  if (limit < 0) limit = output.length;
  if (limit === 0) return { kept: 0, rest: text };
  const split: SplitSpecialText = (value) => new SpecialTokensText(value).tokenizeSpecialTokensOnly(model.tokenizer);
  const promptTail = prompt.slice(-PROMPT_TAIL_TOKENS);
  const detokenize = (count: number): string => model.detokenize(output.slice(0, count), false, promptTail);
  const whole = detokenize(limit);
  const matched = matchLeadingPlainText(text, whole, split);
  if (matched === whole.length) return { kept: limit, rest: dropLeadingChars(text, matched) };

  // The longest shorter run whose text fits inside the matched part: lengths grow with the
  // count, but a run that ends inside a character does not start `whole`, so step down from it.
  let low = 0;
  let high = limit - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (detokenize(middle).length <= matched) low = middle;
    else high = middle - 1;
  }
  for (let count = low; count > 0; count--) {
    const piece = detokenize(count);
    if (piece.length <= matched && whole.startsWith(piece)) return { kept: count, rest: dropLeadingChars(text, piece.length) };
  }
  return { kept: 0, rest: text };
}
