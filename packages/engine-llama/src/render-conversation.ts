import { LlamaText, type ChatModelFunctions, type ChatWrapper, type LlamaModel } from 'node-llama-cpp';
import type { ConversationItem } from '@spark/engine';
import type { FunctionCallSyntax } from './function-call-syntax.js';
import { llamaTextMatchString } from './llama-text-match-string.js';
import { toChatHistory } from './to-chat-history.js';

export interface RenderTarget {
  readonly model: LlamaModel;
  readonly wrapper: ChatWrapper;
  readonly syntax: FunctionCallSyntax;
}

export interface RenderedConversation {
  /** The prompt as text (tokenize with `text.tokenize(model.tokenizer)`: special tokens honoured). */
  readonly text: LlamaText;
  /** Texts that end the turn when generated (the template's stop triggers, as matched text). */
  readonly stopTexts: readonly string[];
}

/**
 * Renders a conversation with the model's chat wrapper (`generateContextState`, functions
 * documented in the system prompt); string work only, no tokenization. Calls in the history are
 * rendered from their raw text, so a re-sent history tokenizes to what the KV cache already
 * holds. `continuation` is appended as if the model had produced it (a forced call's opening).
 */
export function renderConversation(
  target: RenderTarget,
  conversation: readonly ConversationItem[],
  functions: ChatModelFunctions | undefined,
  continuation?: LlamaText,
): RenderedConversation {
  const chatHistory = toChatHistory(conversation, { rawCall: (name, args) => target.syntax.rawCall(name, args) });
  const state = target.wrapper.generateContextState({
    chatHistory,
    ...(functions ? { availableFunctions: functions } : {}),
    documentFunctionParams: true,
  });
  const text = continuation ? LlamaText([state.contextText, continuation]) : state.contextText;
  const stopTexts = [...new Set(state.stopGenerationTriggers.map((trigger) => llamaTextMatchString(trigger, target.model)))]
    .filter((trigger) => trigger.length > 0);
  return { text, stopTexts };
}
