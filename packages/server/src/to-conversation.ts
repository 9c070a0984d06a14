import type { ConversationItem } from '@spark/engine';
import { ApiError } from '@spark/protocol';
import type { ContextItem } from './context-item.js';

type ContentPart = Extract<ContextItem, { type: 'message' }>['content'];
type ToolOutput = Extract<ContextItem, { type: 'function_call_output' }>['output'];

/**
 * Turns a resolved context into the engine's conversation: `instructions` first as a system
 * turn, system/developer messages as system turns, tool calls and their outputs paired by
 * call id, reasoning items as reasoning (each engine decides whether it renders them: an
 * upstream sends them back, engine-llama drops them). Compaction and hosted-tool items are
 * dropped. A tool output whose `call_id` matches no call in the context is a 400 (param `input`).
 *
 * `flatToolName` maps a call's (namespace, name) to the name the model was shown. Items before
 * `emitFrom` only pair tool outputs with their calls and are not emitted: a continuation sends
 * the engine just the items after its state (pass no instructions then).
 */
export function toConversation(
  instructions: string | null | undefined,
  items: readonly ContextItem[],
  flatToolName: (name: string, namespace: string | undefined) => string = (name) => name,
  emitFrom = 0,
): ConversationItem[] {
  const conversation: ConversationItem[] = [];
  if (instructions) conversation.push({ type: 'system', text: instructions });
  const calls = new Set<string>();
  const droppedCalls = new Set<string>();
  for (const item of items) {
    if (item.type === 'function_call' || item.type === 'custom_tool_call') calls.add(item.call_id);
    else if (!isKnownType(item.type)) {
      const callId = (item as Record<string, unknown>)['call_id'];
      if (typeof callId === 'string') droppedCalls.add(callId);
    }
  }
  for (const item of items.slice(emitFrom)) {
    switch (item.type) {
      case 'message': {
        const text = joinText(item.content);
        if (item.role === 'system' || item.role === 'developer') conversation.push({ type: 'system', text });
        else conversation.push({ type: item.role, text });
        break;
      }
      case 'function_call':
        conversation.push({ type: 'tool_call', callId: item.call_id, name: flatToolName(item.name, item.namespace), arguments: item.arguments, kind: 'function' });
        break;
      case 'custom_tool_call':
        conversation.push({ type: 'tool_call', callId: item.call_id, name: flatToolName(item.name, item.namespace), arguments: item.input, kind: 'custom' });
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        if (calls.has(item.call_id)) {
          conversation.push({ type: 'tool_result', callId: item.call_id, output: outputText(item.output) });
        } else if (!droppedCalls.has(item.call_id)) {
          throw new ApiError(400, 'invalid_request_error', null, `No tool call found for ${item.type} with call_id '${truncate(item.call_id)}'.`, 'input');
        }
        break;
      case 'reasoning':
        conversation.push(toReasoning(item));
        break;
      default:
        // compaction and hosted-tool items: nothing an engine here can use.
        break;
    }
  }
  return conversation;
}

const KNOWN_TYPES = new Set(['message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'reasoning', 'compaction']);

function isKnownType(type: string): boolean {
  return KNOWN_TYPES.has(type);
}

/** Its raw text (`reasoning_text` parts), else its summary, and the opaque payload when there is one. */
function toReasoning(item: Extract<ContextItem, { type: 'reasoning' }>): ConversationItem {
  const parts = item.content && item.content.length > 0 ? item.content : item.summary;
  const encrypted = item.encrypted_content ?? undefined;
  return { type: 'reasoning', text: parts.map((part) => part.text).join('\n'), ...(encrypted === undefined ? {} : { encryptedContent: encrypted }) };
}

function joinText(content: ContentPart): string {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  for (const part of content) {
    if (part.type === 'input_text' || part.type === 'output_text') texts.push(part.text);
    else if (part.type === 'refusal') texts.push(part.refusal);
  }
  return texts.join('\n');
}

function outputText(output: ToolOutput): string {
  return typeof output === 'string' ? output : joinText(output);
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
