import type { LlamaModel, LlamaText, Token } from 'node-llama-cpp';
import { alignOutput } from './align-output.js';
import type { ContinuationSource } from './continuation-state.js';
import { commonLlamaTextPrefix, llamaTextLength, stripLlamaTextPrefix } from './llama-text-prefix.js';

/**
 * When a continuation's render leaves the state's prompt before its end (a turn that produced
 * nothing leaves its generation prompt, e.g. `<|im_start|>assistant\n`, behind), at most this
 * much of the state's prompt text is tokenized to find the tokens to drop; a longer difference
 * (other tools, other instructions) means the history changed: tokenize the whole prompt.
 */
export const MAX_DROPPED_PROMPT_CHARS = 1024;

export interface ContinuedPrompt {
  /** Leading tokens taken from the state as they are. */
  readonly reused: Token[];
  /** The text after them, still to be tokenized as text that follows other text ('trimLeadingSpace'). */
  readonly rest: LlamaText;
}

/**
 * How to get the tokens of `text` (a full render of the state's conversation plus new items)
 * without tokenizing its history: the state's tokens as far as their text starts `text`, then
 * the rest, tokenized by the caller. The rest is tokenized on its own, so at the seam it may split text
 * differently from a tokenization of the whole (never at special tokens or value boundaries,
 * where the wrapper's own tokenization splits too). Undefined when `text` does not continue
 * the state's history: tokenize it whole.
 */
export function continuePrompt(model: LlamaModel, source: ContinuationSource, text: LlamaText): ContinuedPrompt | undefined {
  const { tokens, data } = source;
  const promptTokens = tokens.slice(0, data.promptTokenCount);
  const after = stripLlamaTextPrefix(text, data.promptText);
  if (after) {
    const output = tokens.slice(data.promptTokenCount);
    const { kept, rest } = alignOutput(model, after, output, promptTokens);
    return { reused: tokens.slice(0, data.promptTokenCount + kept), rest };
  }
  const common = commonLlamaTextPrefix(text, data.promptText);
  const dropped = stripLlamaTextPrefix(data.promptText, common);
  const rest = stripLlamaTextPrefix(text, common);
  if (!dropped || !rest || llamaTextLength(dropped) > MAX_DROPPED_PROMPT_CHARS) return undefined;
  const droppedTokens = tokenizeTail(model, dropped);
  const reused = promptTokens.length - droppedTokens.length;
  if (reused <= 0 || droppedTokens.some((token, index) => promptTokens[reused + index] !== token)) return undefined;
  return { reused: promptTokens.slice(0, reused), rest };
}

/** Tokenizes text that follows other text (no BOS, no leading-space prefix). */
function tokenizeTail(model: LlamaModel, text: LlamaText): Token[] {
  return text.tokenize(model.tokenizer, 'trimLeadingSpace');
}
