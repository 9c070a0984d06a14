import type { ConversationItem, ToolSpec } from '@spark/engine';
import type { ChatCompletionRequest } from '@spark/protocol';

type ChatRequestMessage = ChatCompletionRequest['messages'][number];
type ChatRequestTool = NonNullable<ChatCompletionRequest['tools']>[number];
type ChatRequestToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

/** Where earlier reasoning goes in the history sent upstream: nowhere (default), or a field of the assistant message. */
export type ChatReasoningInput = 'drop' | 'reasoning_content' | 'reasoning';

/** The one argument a custom (freeform) tool becomes as a function: its text is the tool's input. */
export const CUSTOM_TOOL_ARGUMENT = 'input';

/**
 * Renders Spark's conversation as Chat Completions `messages`. Deterministic on purpose: the same
 * items give the same bytes every turn (fixed key order, no ids or times invented here), so a
 * later turn's prompt starts with the earlier turn's and the upstream's prefix cache hits.
 * An assistant's text and the tool calls that follow it become one assistant message with
 * `tool_calls`, as the model produced them; a custom tool call is sent as its function form,
 * `{"input": "<text>"}`.
 */
export function renderChatMessages(
  conversation: readonly ConversationItem[],
  customTools: ReadonlySet<string>,
  reasoningInput: ChatReasoningInput = 'drop',
): ChatRequestMessage[] {
  const messages: ChatRequestMessage[] = [];
  let assistant: { content: string | null; reasoning: string | null; calls: ChatRequestToolCall[] } | undefined;
  const flush = (): void => {
    if (!assistant) return;
    const message: Record<string, unknown> = { role: 'assistant', content: assistant.content };
    if (assistant.reasoning !== null && reasoningInput !== 'drop') message[reasoningInput] = assistant.reasoning;
    if (assistant.calls.length > 0) message['tool_calls'] = assistant.calls;
    messages.push(message as ChatRequestMessage);
    assistant = undefined;
  };
  const open = (): NonNullable<typeof assistant> => (assistant ??= { content: null, reasoning: null, calls: [] });
  for (const item of conversation) {
    switch (item.type) {
      case 'system':
        flush();
        messages.push({ role: 'system', content: item.text });
        break;
      case 'user':
        flush();
        messages.push({ role: 'user', content: item.text });
        break;
      case 'reasoning': {
        // Reasoning opens the assistant turn it belongs to; a second one (after text) starts a new turn.
        if (assistant && (assistant.content !== null || assistant.calls.length > 0)) flush();
        const turn = open();
        turn.reasoning = turn.reasoning === null ? item.text : turn.reasoning + item.text;
        break;
      }
      case 'assistant': {
        if (assistant && assistant.calls.length > 0) flush();
        const turn = open();
        turn.content = turn.content === null ? item.text : turn.content + item.text;
        break;
      }
      case 'tool_call': {
        const turn = open();
        const args = item.kind === 'custom' || customTools.has(item.name) ? JSON.stringify({ [CUSTOM_TOOL_ARGUMENT]: item.arguments }) : item.arguments;
        turn.calls.push({ id: item.callId, type: 'function', function: { name: item.name, arguments: args } });
        break;
      }
      case 'tool_result':
        flush();
        messages.push({ role: 'tool', tool_call_id: item.callId, content: item.output });
        break;
      default: {
        const unreachable: never = item;
        throw new Error(`Unknown conversation item ${String(unreachable)}`);
      }
    }
  }
  flush();
  return messages;
}

/**
 * Spark's tools as Chat Completions function tools. A custom (freeform) tool becomes a function
 * with one string argument, `input`, whose text is the tool input; its grammar, if any, is told
 * in the description (a Chat Completions server has no way to enforce it).
 */
export function renderChatTools(tools: readonly ToolSpec[]): ChatRequestTool[] {
  return tools.map((tool): ChatRequestTool => {
    if (tool.kind === 'function') {
      return {
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          parameters: tool.parameters ?? { type: 'object', properties: {} },
          ...(tool.strict ? { strict: true } : {}),
        },
      };
    }
    const grammar = tool.grammar === undefined ? '' : `\n\nThe \`${CUSTOM_TOOL_ARGUMENT}\` text must match this ${tool.grammar.syntax} grammar:\n${tool.grammar.definition}`;
    const description = `${tool.description ?? ''}${grammar}`;
    return {
      type: 'function',
      function: {
        name: tool.name,
        ...(description === '' ? {} : { description }),
        parameters: {
          type: 'object',
          properties: { [CUSTOM_TOOL_ARGUMENT]: { type: 'string', description: `The raw input of the ${tool.name} tool (freeform text, not JSON).` } },
          required: [CUSTOM_TOOL_ARGUMENT],
          additionalProperties: false,
        },
      },
    };
  });
}
