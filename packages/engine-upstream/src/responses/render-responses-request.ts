import type { CreateParams, ToolParam } from '@spark/client';
import type { ConversationItem, GenerateRequest, OutputFormat, ToolChoice, ToolSpec } from '@spark/engine';
import type { InputItem } from '@spark/protocol';

/** How one upstream call is rendered besides the items themselves. */
export interface RenderOptions {
  /** The id the upstream knows the model by (without Spark's `<provider>/` prefix). */
  upstreamModel: string;
  /** Chain on the upstream's own state: then `items` are only what follows that response. */
  previousResponseId?: string;
  /** Ask the upstream to keep the response (needed for `previous_response_id` over HTTP). */
  store: boolean;
  /** Ask for `reasoning.encrypted_content`, so reasoning survives a resend of the history. */
  encryptedReasoning: boolean;
  /** False for upstreams that refuse `temperature`/`top_p` (OpenAI's reasoning models). */
  sendSampling: boolean;
  /** Over WebSocket: `generate: false` (prefill only, spec §3.7). */
  prefillOnly: boolean;
  /** Send the request's `prediction` (a Spark extension; OpenAI's Responses API has no such field). */
  sendPrediction: boolean;
}

/**
 * Renders an engine request as a Responses `response.create` body. Every conversation turn
 * becomes an input item (system turns as `system` messages, not `instructions`: an upstream does
 * not carry `instructions` over `previous_response_id`, while input items are part of its chain).
 * `calls` knows the kind of every call the conversation made so far, so a tool result becomes a
 * `function_call_output` or a `custom_tool_call_output` to match its call.
 */
export function renderResponsesRequest(
  request: GenerateRequest,
  items: readonly ConversationItem[],
  calls: ReadonlyMap<string, 'function' | 'custom'>,
  options: RenderOptions,
): CreateParams {
  const { sampling } = request;
  return {
    model: options.upstreamModel,
    input: items.map((item) => toInputItem(item, calls)),
    ...(request.tools.length > 0 ? {
      tools: request.tools.map(toToolParam),
      tool_choice: toToolChoice(request.toolChoice, request.tools),
      parallel_tool_calls: request.parallelToolCalls,
    } : {}),
    ...toTextFormat(request.outputFormat),
    ...(request.maxOutputTokens === undefined ? {} : { max_output_tokens: request.maxOutputTokens }),
    ...(options.sendSampling ? {
      temperature: sampling.temperature,
      ...(sampling.topP === undefined ? {} : { top_p: sampling.topP }),
      ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
    } : {}),
    ...(request.cacheKey === undefined ? {} : { prompt_cache_key: request.cacheKey }),
    ...(request.prediction === undefined || !options.sendPrediction || options.prefillOnly ? {} : { prediction: { type: 'content', content: request.prediction } }),
    ...(options.previousResponseId === undefined ? {} : { previous_response_id: options.previousResponseId }),
    store: options.store,
    ...(options.encryptedReasoning ? { include: ['reasoning.encrypted_content'] } : {}),
    ...(options.prefillOnly ? { generate: false } : {}),
    // `request.priority` is left out: it ranks generations inside Spark's own engine, and an
    // upstream (OpenAI's hosts refuse unknown fields) schedules its requests its own way.
  };
}

/** The call kinds a conversation declares, for rendering its tool results. */
export function callKinds(conversation: readonly ConversationItem[], into = new Map<string, 'function' | 'custom'>()): Map<string, 'function' | 'custom'> {
  for (const item of conversation) if (item.type === 'tool_call') into.set(item.callId, item.kind);
  return into;
}

function toInputItem(item: ConversationItem, calls: ReadonlyMap<string, 'function' | 'custom'>): InputItem {
  switch (item.type) {
    case 'system':
      return { type: 'message', role: 'system', content: item.text };
    case 'user':
      return { type: 'message', role: 'user', content: item.text };
    case 'assistant':
      return { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: item.text }] };
    case 'tool_call':
      return item.kind === 'custom'
        ? { type: 'custom_tool_call', call_id: item.callId, name: item.name, input: item.arguments }
        : { type: 'function_call', call_id: item.callId, name: item.name, arguments: item.arguments };
    case 'tool_result':
      return calls.get(item.callId) === 'custom'
        ? { type: 'custom_tool_call_output', call_id: item.callId, output: item.output }
        : { type: 'function_call_output', call_id: item.callId, output: item.output };
    case 'reasoning':
      // The text as a summary: OpenAI takes summaries back, not raw `reasoning_text`; Spark reads either.
      return {
        type: 'reasoning',
        summary: item.text === '' ? [] : [{ type: 'summary_text', text: item.text }],
        ...(item.encryptedContent === undefined ? {} : { encrypted_content: item.encryptedContent }),
      };
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}

function toToolParam(tool: ToolSpec): ToolParam {
  if (tool.kind === 'function') {
    return {
      type: 'function', name: tool.name, strict: tool.strict,
      parameters: tool.parameters ?? { type: 'object', properties: {} },
      ...(tool.description === undefined ? {} : { description: tool.description }),
    };
  }
  return {
    type: 'custom', name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    format: tool.grammar ? { type: 'grammar', syntax: tool.grammar.syntax, definition: tool.grammar.definition } : { type: 'text' },
  };
}

function toToolChoice(choice: ToolChoice, tools: readonly ToolSpec[]): NonNullable<CreateParams['tool_choice']> {
  switch (choice.type) {
    case 'none':
    case 'auto':
    case 'required':
      return choice.type;
    case 'named': {
      const kind = tools.find((tool) => tool.name === choice.name)?.kind ?? 'function';
      return { type: kind, name: choice.name };
    }
    default: {
      const unreachable: never = choice;
      return unreachable;
    }
  }
}

function toTextFormat(format: OutputFormat): Pick<CreateParams, 'text'> {
  switch (format.type) {
    case 'text':
      return {};
    case 'json_object':
      return { text: { format: { type: 'json_object' } } };
    case 'json_schema':
      // The engine request carries no schema name; the upstream requires one.
      return { text: { format: { type: 'json_schema', name: 'output', schema: format.schema, strict: format.strict } } };
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}
