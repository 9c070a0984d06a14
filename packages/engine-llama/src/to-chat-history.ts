import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse, LlamaTextJSON } from 'node-llama-cpp';
import type { ConversationItem } from '@spark/engine';

export interface ToChatHistoryOptions {
  /**
   * The exact text of a call as the model generated it (prefix, name, arguments as sent back,
   * suffix). Rendering that instead of re-serialized params keeps re-sent histories token-equal
   * to what is already in the KV cache.
   */
  rawCall?: (name: string, argumentsText: string) => LlamaTextJSON;
}

/**
 * Converts an engine conversation into node-llama-cpp chat history. Assistant text, tool calls
 * and their results form one model response until the next user or system item; results are
 * attached to their call by `callId`. The history always ends with a model response for the new
 * generation: the last one itself when it ends in tool results (the model continues its turn),
 * otherwise a new empty one.
 */
export function toChatHistory(items: readonly ConversationItem[], options: ToChatHistoryOptions = {}): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const calls = new Map<string, ChatModelFunctionCall>();
  let model: ChatModelResponse | undefined;

  const currentModel = (): ChatModelResponse => {
    if (!model) {
      model = { type: 'model', response: [] };
      history.push(model);
    }
    return model;
  };

  for (const item of items) {
    switch (item.type) {
      case 'system':
      case 'user':
        model = undefined;
        history.push({ type: item.type, text: item.text });
        break;
      case 'assistant':
        if (item.text !== '') currentModel().response.push(item.text);
        break;
      case 'tool_call': {
        // A custom tool's input is raw text, rendered as the model generated it (no JSON around it).
        const call: ChatModelFunctionCall = {
          type: 'functionCall',
          name: item.name,
          params: item.kind === 'custom' ? item.arguments : parseJsonOr(item.arguments, item.arguments),
          result: undefined,
          ...(options.rawCall ? { rawCall: options.rawCall(item.name, item.arguments) } : {}),
        };
        currentModel().response.push(call);
        calls.set(item.callId, call);
        break;
      }
      case 'tool_result': {
        const call = calls.get(item.callId);
        if (call) {
          call.result = parseStructuredOr(item.output);
        } else {
          // A result whose call is not in the history: keep the information as a user message.
          model = undefined;
          history.push({ type: 'user', text: `Tool result (${item.callId}):\n${item.output}` });
        }
        break;
      }
      case 'reasoning':
        // No chat template here renders earlier reasoning; planGeneration drops it before this.
        break;
      default: {
        const unreachable: never = item;
        throw new Error(`unknown conversation item ${JSON.stringify(unreachable)}`);
      }
    }
  }

  const last = history.at(-1);
  const continuesTurn = last?.type === 'model' && typeof last.response.at(-1) === 'object';
  if (!continuesTurn) history.push({ type: 'model', response: [] });
  return history;
}

function parseJsonOr(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

/** Tool outputs that are JSON objects or arrays render as JSON; anything else as the string. */
function parseStructuredOr(text: string): unknown {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  return parseJsonOr(text, text);
}
