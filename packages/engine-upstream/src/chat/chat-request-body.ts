import type { GenerateRequest } from '@spark/engine';
import type { ChatCompletionRequest } from '@spark/protocol';
import { renderChatMessages, renderChatTools, type ChatReasoningInput } from './render-chat-messages.js';

/** Which field carries the output cap: `max_tokens` (every server takes it) or OpenAI's newer `max_completion_tokens`. */
export type ChatMaxTokensField = 'max_tokens' | 'max_completion_tokens';

export interface ChatRequestBodyOptions {
  maxTokensField: ChatMaxTokensField;
  reasoningInput: ChatReasoningInput;
  /** Send `prediction` (OpenAI's Predicted Outputs) when the request has one; false: leave it out. */
  sendPrediction: boolean;
}

/**
 * The streamed Chat Completions request for one generation, fields in a fixed order so the
 * same request gives the same bytes. `model` is the upstream's own id (no provider prefix).
 * A prefill-only request (`generate: false`) asks for one token: it warms the upstream's
 * prefix cache where there is one, and its output is thrown away.
 */
export function chatRequestBody(request: GenerateRequest, upstreamModel: string, options: ChatRequestBodyOptions): ChatCompletionRequest {
  const customTools = new Set(request.tools.filter((tool) => tool.kind === 'custom').map((tool) => tool.name));
  const body: ChatCompletionRequest = {
    model: upstreamModel,
    messages: renderChatMessages(request.conversation, customTools, options.reasoningInput),
  };
  if (request.tools.length > 0) {
    body.tools = renderChatTools(request.tools);
    body.tool_choice = toChatToolChoice(request.toolChoice);
    body.parallel_tool_calls = request.parallelToolCalls;
  }
  const format = request.outputFormat;
  if (format.type === 'json_object') body.response_format = { type: 'json_object' };
  if (format.type === 'json_schema') {
    body.response_format = { type: 'json_schema', json_schema: { name: schemaName(format.schema), schema: format.schema, strict: format.strict } };
  }
  const maxTokens = request.prefillOnly ? 1 : request.maxOutputTokens;
  if (maxTokens !== undefined) body[options.maxTokensField] = maxTokens;
  body.temperature = request.sampling.temperature;
  if (request.sampling.topP !== undefined) body.top_p = request.sampling.topP;
  if (request.sampling.seed !== undefined) body.seed = request.sampling.seed;
  if (options.sendPrediction && request.prediction !== undefined && !request.prefillOnly) body.prediction = { type: 'content', content: request.prediction };
  // `request.priority` is not sent: a Chat Completions server schedules its requests its own way.
  body.stream = true;
  body.stream_options = { include_usage: true };
  return body;
}

function toChatToolChoice(choice: GenerateRequest['toolChoice']): NonNullable<ChatCompletionRequest['tool_choice']> {
  switch (choice.type) {
    case 'none':
    case 'auto':
    case 'required':
      return choice.type;
    case 'named':
      return { type: 'function', function: { name: choice.name } };
    default: {
      const unreachable: never = choice;
      throw new Error(`Unknown tool choice ${String(unreachable)}`);
    }
  }
}

/** `json_schema.name` is required on the wire; the engine request no longer has the client's, so use the schema's title. */
function schemaName(schema: Record<string, unknown>): string {
  const title = schema['title'];
  return typeof title === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(title) ? title : 'response';
}
