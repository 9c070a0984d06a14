import { LlamaText, SpecialToken, SpecialTokensText, type LlamaModel } from 'node-llama-cpp';

/** Replaces the chat wrappers' `{{functionName}}` template parameter in plain-text parts. */
export function fillFunctionName(text: LlamaText | string, functionName: string): LlamaText {
  return LlamaText(text).mapValues((value) => (typeof value === 'string' ? value.replaceAll('{{functionName}}', functionName) : value));
}

/**
 * The text a LlamaText shows up as in a generation detokenized with special tokens rendered:
 * plain and special-token text as written, builtin special tokens (EOS, EOT...) as the model's
 * own token text. Triggers are matched against this form.
 */
export function llamaTextMatchString(text: LlamaText | string, model: LlamaModel): string {
  let out = '';
  for (const value of LlamaText(text).values) {
    if (typeof value === 'string') out += value;
    else if (value instanceof SpecialTokensText) out += value.value;
    else if (value instanceof SpecialToken) out += model.detokenize(value.tokenize(model.tokenizer), true);
  }
  return out;
}
