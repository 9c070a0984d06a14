import type { LlamaModel } from 'node-llama-cpp';

/**
 * An upper bound on the bytes of text one token spells, from the vocabulary in the GGUF's
 * metadata: the longest token string in UTF-8. Vocabularies store some bytes wider than they
 * spell them (SentencePiece's `▁` for a space, GPT-2's `Ġ`, byte tokens like `<0x0A>`), which
 * only raises the bound. Reading strings is fast; detokenizing every token would take a second
 * on a 262k vocabulary.
 */
export function longestTokenBytes(model: LlamaModel): number {
  let longest = 1;
  for (const token of model.fileInfo.metadata.tokenizer.ggml.tokens) longest = Math.max(longest, Buffer.byteLength(token, 'utf8'));
  return longest;
}
