import { userMessage as protocolUserMessage, type HistoryItem, type InputItem, type OutputItem } from '@spark/protocol';

// The shape is a wire format (a thread snapshot carries it): its schema is in @spark/protocol.
export type { HistoryItem } from '@spark/protocol';

export type ToolCallItem = Extract<HistoryItem, { type: 'function_call' | 'custom_tool_call' }>;
export type ToolOutputItem = Extract<HistoryItem, { type: 'function_call_output' | 'custom_tool_call_output' }>;

/** A user's text as a history item: the protocol's one builder of a user message. */
export function userMessage(text: string): HistoryItem {
  return protocolUserMessage(text);
}

export function isToolCall(item: HistoryItem): item is ToolCallItem {
  return item.type === 'function_call' || item.type === 'custom_tool_call';
}

export function isToolOutput(item: HistoryItem): item is ToolOutputItem {
  return item.type === 'function_call_output' || item.type === 'custom_tool_call_output';
}

/** The output item that answers a call, in the call's own kind. */
export function toolOutputFor(call: ToolCallItem, output: string): ToolOutputItem {
  return call.type === 'function_call'
    ? { type: 'function_call_output', call_id: call.call_id, output }
    : { type: 'custom_tool_call_output', call_id: call.call_id, output };
}

/**
 * A response's output as history. Reasoning is dropped (it is not replayable without the
 * server's encrypted content); an incomplete message keeps its partial text, an incomplete call
 * is dropped because it cannot be executed.
 */
export function historyFromOutput(output: readonly OutputItem[]): HistoryItem[] {
  const items: HistoryItem[] = [];
  for (const item of output) {
    switch (item.type) {
      case 'message': {
        const text = item.content.map((part) => (part.type === 'output_text' ? part.text : part.refusal)).join('');
        if (text !== '') items.push({ type: 'message', role: 'assistant', content: text });
        break;
      }
      case 'function_call':
        if (item.status !== 'incomplete') items.push({ type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments });
        break;
      case 'custom_tool_call':
        if (item.status !== 'incomplete') items.push({ type: 'custom_tool_call', call_id: item.call_id, name: item.name, input: item.input });
        break;
      case 'reasoning':
        break;
    }
  }
  return items;
}

/** History items as request input (they are already valid input items). */
export function toInputItems(items: readonly HistoryItem[]): InputItem[] {
  return items.map((item) => ({ ...item }));
}

/** Characters of text an item puts in front of the model (for token estimates). */
export function itemTextLength(item: HistoryItem): number {
  switch (item.type) {
    case 'message': return item.content.length;
    case 'function_call': return item.name.length + item.arguments.length;
    case 'custom_tool_call': return item.name.length + item.input.length;
    case 'function_call_output':
    case 'custom_tool_call_output': return item.output.length;
  }
}
