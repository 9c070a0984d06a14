import type { LlamaModel, LlamaText } from 'node-llama-cpp';
import { boundedTokenize, minTokens, textLength, type BoundedTokenizeOptions, type BoundedTokens } from './bounded-tokenize.js';
import type { TokenizerWorker } from './tokenizer-worker.js';

/**
 * Text up to this many characters is tokenized on the calling thread: at llama.cpp's few
 * hundred KB/s that is at most ~15 ms, less than a round trip to the worker is worth; a warm
 * turn's new items are usually this small.
 */
export const INLINE_TOKENIZE_CHARS = 4096;

/** Tokenizes prompts for one model without holding the event loop for more than a few milliseconds. */
export interface PromptTokenizer {
  /** Bytes of the vocabulary's longest token: a text of N bytes has at least N / this many tokens. */
  readonly maxTokenBytes: number;
  tokenize(text: LlamaText, options: BoundedTokenizeOptions): Promise<BoundedTokens>;
}

/**
 * Small texts inline, large ones in the tokenizer worker; text whose byte length alone proves it
 * cannot fit is refused before it is copied anywhere.
 */
export function createPromptTokenizer(model: LlamaModel, modelPath: string, worker: TokenizerWorker, maxTokenBytes: number): PromptTokenizer {
  return {
    maxTokenBytes,
    async tokenize(text, options) {
      if (textLength(text) <= INLINE_TOKENIZE_CHARS) return boundedTokenize(text, model.tokenizer, maxTokenBytes, options);
      const atLeast = minTokens(text, maxTokenBytes);
      if (atLeast > options.maxTokens) return { kind: 'exceeded', atLeast };
      return worker.tokenize(modelPath, text, maxTokenBytes, options);
    },
  };
}

