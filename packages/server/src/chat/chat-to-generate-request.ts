import type { ConversationItem, GenerateRequest, OutputFormat, ToolChoice, ToolSpec } from '@spark/engine';
import { apiErrors, chatContentText, type ChatCompletionBody } from '@spark/protocol';

export interface ChatGenerateOptions {
  /** Temperature when the request sets none (the server's, as for /v1/responses). */
  defaultTemperature: number;
  signal: AbortSignal;
}

/**
 * Maps a parsed Chat Completions request to the engine's request: the same `GenerateRequest`
 * a Responses request becomes, so every engine serves both APIs. `stop` is not here: the engine
 * contract has no stop sequences, the route cuts the text (`StopCutter`). Throws `ApiError` for
 * requests that are well-typed but inconsistent (a tool message answering no call, a forced
 * tool that was not declared, image or audio parts for a text-only engine).
 */
export function chatToGenerateRequest(body: ChatCompletionBody, options: ChatGenerateOptions): GenerateRequest {
  const tools = toToolSpecs(body);
  const maxOutputTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const cacheKey = body['prompt_cache_key'];
  return {
    model: body.model,
    conversation: toConversation(body.messages),
    tools,
    toolChoice: toToolChoice(body, tools),
    parallelToolCalls: body.parallel_tool_calls ?? true,
    outputFormat: toOutputFormat(body),
    ...(typeof maxOutputTokens === 'number' ? { maxOutputTokens } : {}),
    sampling: {
      temperature: body.temperature ?? options.defaultTemperature,
      ...(typeof body.top_p === 'number' ? { topP: body.top_p } : {}),
      ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
    },
    ...(typeof cacheKey === 'string' && cacheKey !== '' ? { cacheKey } : {}),
    signal: options.signal,
    ...(body.prediction ? { prediction: chatContentText(body.prediction.content) } : {}),
  };
}

/**
 * System and developer messages become system turns, an assistant message its reasoning (when
 * a client sends `reasoning_content` back), text and calls, a tool message the result of the
 * call it names; a tool message whose `tool_call_id` no earlier assistant call carries is a 400,
 * as OpenAI answers it.
 */
function toConversation(messages: ChatCompletionBody['messages']): ConversationItem[] {
  const conversation: ConversationItem[] = [];
  const calls = new Set<string>();
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        conversation.push({ type: 'system', text: chatContentText(message.content) });
        break;
      case 'user': {
        if (Array.isArray(message.content)) {
          const media = message.content.findIndex((part) => part.type !== 'text');
          if (media >= 0) {
            const param = `messages[${index}].content[${media}].type`;
            throw apiErrors.invalidValue(param, `Invalid value for '${param}': the models on this server read text only.`);
          }
        }
        conversation.push({ type: 'user', text: chatContentText(message.content) });
        break;
      }
      case 'assistant': {
        if (message.reasoning_content) conversation.push({ type: 'reasoning', text: message.reasoning_content });
        const text = chatContentText(message.content) || (message.refusal ?? '');
        const toolCalls = message.tool_calls ?? [];
        if (text !== '' || toolCalls.length === 0) conversation.push({ type: 'assistant', text });
        for (const call of toolCalls) {
          calls.add(call.id);
          conversation.push({ type: 'tool_call', callId: call.id, name: call.function.name, arguments: call.function.arguments, kind: 'function' });
        }
        break;
      }
      case 'tool': {
        if (!calls.has(message.tool_call_id)) {
          const param = `messages[${index}].tool_call_id`;
          throw apiErrors.invalidValue(param, `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (no call has id '${truncate(message.tool_call_id)}').`);
        }
        conversation.push({ type: 'tool_result', callId: message.tool_call_id, output: chatContentText(message.content) });
        break;
      }
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  });
  return conversation;
}

/** Function tools; `strict` defaults to false, as in OpenAI's Chat Completions. Duplicate names are a 400. */
function toToolSpecs(body: ChatCompletionBody): ToolSpec[] {
  const seen = new Set<string>();
  return (body.tools ?? []).map((tool, index) => {
    const { name, description, parameters, strict } = tool.function;
    if (seen.has(name)) throw apiErrors.invalidValue(`tools[${index}].function.name`, `Duplicate tool name '${name}'.`);
    seen.add(name);
    return {
      kind: 'function',
      name,
      ...(typeof description === 'string' ? { description } : {}),
      ...(parameters ? { parameters } : {}),
      strict: strict ?? false,
    };
  });
}

function toToolChoice(body: ChatCompletionBody, tools: readonly ToolSpec[]): ToolChoice {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return { type: 'auto' };
  if (typeof choice === 'string') {
    if (choice === 'required' && tools.length === 0) {
      throw apiErrors.invalidValue('tool_choice', "Invalid value for 'tool_choice': 'required' needs at least one tool in 'tools'.");
    }
    return { type: choice };
  }
  const name = choice.function.name;
  if (!tools.some((tool) => tool.name === name)) {
    throw apiErrors.invalidValue('tool_choice', `Invalid value for 'tool_choice': no function named '${truncate(name)}' was declared in 'tools'.`);
  }
  return { type: 'named', name };
}

/** `json_schema` is lenient unless `strict` (OpenAI's default); a schema-less one asks for any JSON object. */
function toOutputFormat(body: ChatCompletionBody): OutputFormat {
  const format = body.response_format;
  if (!format) return { type: 'text' };
  switch (format.type) {
    case 'text': return { type: 'text' };
    case 'json_object': return { type: 'json_object' };
    case 'json_schema': {
      const schema = format.json_schema.schema;
      return schema ? { type: 'json_schema', schema, strict: format.json_schema.strict ?? false } : { type: 'json_object' };
    }
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
