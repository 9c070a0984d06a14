import { LlamaText, type ChatWrapper, type LlamaModel, type LlamaTextJSON, type Token } from 'node-llama-cpp';
import { fillFunctionName, llamaTextMatchString } from './llama-text-match-string.js';

/** Tokenized call suffixes kept per model; tool names repeat, but clients may send many. */
const MAX_CACHED_SUFFIXES = 256;

/**
 * How the model's chat wrapper spells a function call (`settings.functions.call`), resolved for
 * one model: ChatML-style wrappers use `||call: name({json})`, Qwen `<tool_call>` JSON, etc.
 */
export interface FunctionCallSyntax {
  /** Texts that open a call when the model generates them: the canonical prefix, then alternates. */
  readonly prefixes: readonly string[];
  /** Whether one space may sit between the prefix and the name. */
  readonly optionalPrefixSpace: boolean;
  /** The canonical prefix, for prompts that force a call. */
  readonly prefix: LlamaText;
  /** Text between the name and the JSON arguments, as matched in generated text. */
  paramsPrefixString(name: string): string;
  /** Prompt text up to the arguments: prefix, name, params prefix. */
  callOpening(name: string): LlamaText;
  /** Tokens that close a call after its arguments (injected, never sampled). */
  suffixTokens(name: string): Token[];
  /** The full call text as generated, for rendering it back into a history. */
  rawCall(name: string, argumentsText: string): LlamaTextJSON;
}

export function resolveFunctionCallSyntax(wrapper: ChatWrapper, model: LlamaModel): FunctionCallSyntax {
  const call = wrapper.settings.functions.call;
  const prefix = LlamaText(call.prefix);
  const canonical = llamaTextMatchString(prefix, model);
  const alternates = (call.prefixAlternateMatches ?? []).map((text) => llamaTextMatchString(text, model));
  const prefixes = [...new Set([canonical, ...alternates])].filter((text) => text.length > 0);
  const suffixCache = new Map<string, Token[]>();
  return {
    prefixes,
    optionalPrefixSpace: call.optionalPrefixSpace,
    prefix,
    paramsPrefixString: (name) => llamaTextMatchString(fillFunctionName(call.paramsPrefix, name), model),
    callOpening: (name) => LlamaText([prefix, name, fillFunctionName(call.paramsPrefix, name)]),
    suffixTokens: (name) => {
      let tokens = suffixCache.get(name);
      if (!tokens) {
        tokens = fillFunctionName(call.suffix, name).tokenize(model.tokenizer, 'trimLeadingSpace');
        if (suffixCache.size >= MAX_CACHED_SUFFIXES) suffixCache.clear();
        suffixCache.set(name, tokens);
      }
      return tokens;
    },
    rawCall: (name, argumentsText) =>
      LlamaText([prefix, name, fillFunctionName(call.paramsPrefix, name), argumentsText, fillFunctionName(call.suffix, name)]).toJSON(),
  };
}
