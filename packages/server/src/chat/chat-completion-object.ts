import type { ChatCompletion, ChatFinishReason, ChatToolCall, ChatUsage } from '@spark/protocol';
import type { ChatSink } from './chat-output.js';

/** Builds the one `chat.completion` object a non-streamed request answers with. */
export class ChatCompletionObject implements ChatSink {
  private text = '';
  private reasoningText = '';
  private readonly toolCalls: ChatToolCall[] = [];

  constructor(private readonly header: { id: string; created: number; model: string }) {}

  content(text: string): void {
    this.text += text;
  }

  reasoning(text: string): void {
    this.reasoningText += text;
  }

  toolCallStart(index: number, id: string, name: string): void {
    this.toolCalls[index] = { id, type: 'function', function: { name, arguments: '' } };
  }

  toolCallArguments(index: number, delta: string): void {
    const call = this.toolCalls[index];
    if (call) call.function.arguments += delta;
  }

  toolCallEnd(index: number, args: string): void {
    const call = this.toolCalls[index];
    if (call) call.function.arguments = args;
  }

  /** `content` is null when the model only called tools, as OpenAI answers. */
  build(finishReason: ChatFinishReason, usage: ChatUsage | undefined): ChatCompletion {
    const toolCalls = this.toolCalls.filter((call) => call !== undefined);
    return {
      id: this.header.id,
      object: 'chat.completion',
      created: this.header.created,
      model: this.header.model,
      choices: [{
        index: 0,
        message: {
          role: 'assistant',
          content: this.text === '' && toolCalls.length > 0 ? null : this.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(this.reasoningText === '' ? {} : { reasoning_content: this.reasoningText }),
        },
        logprobs: null,
        finish_reason: finishReason,
      }],
      ...(usage ? { usage } : {}),
    };
  }
}
