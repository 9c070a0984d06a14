import type { GenerateRequest, GenerationState } from '@spark/engine';
import { predictionText, type CreateResponseBody } from '@spark/protocol';
import type { ContextItem } from './context-item.js';
import { toConversation } from './to-conversation.js';
import { toOutputFormat } from './to-output-format.js';
import { toToolChoice } from './to-tool-choice.js';
import { toToolSpecs, type ToolSet } from './to-tool-specs.js';

/** A previous generation the new request may continue from instead of resending its history. */
export interface ContinuationBase {
  /** The engine state the previous response left (its `finish.state`), usable by this request's engine. */
  state: GenerationState;
  /** How many leading items of the context that state covers (the previous context and output). */
  itemCount: number;
  /** `promptKey` of the request that produced the state. */
  promptKey: string;
}

export interface BuildGenerateRequestOptions {
  /** Temperature when the request sets none. */
  defaultTemperature: number;
  signal: AbortSignal;
  /** Continue from this state when the prompt settings match (see `promptKey`). */
  continueFrom?: ContinuationBase;
  /** Responses `generate: false`: prefill the prompt, generate nothing. */
  prefillOnly?: boolean;
  /** The downstream session (WebSocket connection and lane) the generation belongs to. */
  session?: string;
}

export interface BuiltGenerateRequest {
  request: GenerateRequest;
  toolSet: ToolSet;
  /**
   * Everything besides the conversation items that shapes the rendered prompt (model,
   * instructions, tools, tool choice, output format). A state can only be continued by a request
   * with the same key: instructions and tools are rendered before the history, so changing them
   * means rendering the whole conversation anew.
   */
  promptKey: string;
  /** True when `request.continueFrom` is set and `conversation` holds only the new items. */
  continued: boolean;
}

/**
 * Maps a parsed create body and its resolved context to the engine's request. Throws
 * `ApiError` for requests that are well-typed but inconsistent (unknown forced tool,
 * unmatched tool output).
 */
export function buildGenerateRequest(
  body: CreateResponseBody,
  context: readonly ContextItem[],
  options: BuildGenerateRequestOptions,
): BuiltGenerateRequest {
  const toolSet = toToolSpecs(body.tools);
  const { toolChoice, tools } = toToolChoice(body.tool_choice, toolSet);
  const outputFormat = toOutputFormat(body.text?.format);
  const parallelToolCalls = body.parallel_tool_calls ?? true;
  const promptKey = JSON.stringify([body.model, body.instructions ?? '', tools, toolChoice, outputFormat, parallelToolCalls]);
  const base = options.continueFrom;
  const continued = base !== undefined && base.promptKey === promptKey && base.itemCount <= context.length;
  // Validates tool outputs against the whole context either way; a continuation then sends only the new items.
  const conversation = continued
    ? toConversation(null, context, toolSet.flatName, base.itemCount)
    : toConversation(body.instructions, context, toolSet.flatName);
  const request: GenerateRequest = {
    model: body.model,
    conversation,
    tools,
    toolChoice,
    parallelToolCalls,
    outputFormat,
    ...(typeof body.max_output_tokens === 'number' ? { maxOutputTokens: body.max_output_tokens } : {}),
    sampling: {
      temperature: body.temperature ?? options.defaultTemperature,
      ...(typeof body.top_p === 'number' ? { topP: body.top_p } : {}),
      ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
    },
    ...(body.prompt_cache_key ? { cacheKey: body.prompt_cache_key } : {}),
    signal: options.signal,
    ...(continued ? { continueFrom: base.state } : {}),
    ...(options.prefillOnly ? { prefillOnly: true } : {}),
    // A prediction shapes only how fast the output comes, never the prompt: not in promptKey.
    ...(body.prediction ? { prediction: predictionText(body.prediction) } : {}),
    ...(options.session === undefined ? {} : { session: options.session }),
    // Scheduling only, like a prediction: not in promptKey.
    ...(body.priority ? { priority: body.priority } : {}),
  };
  return { request, toolSet, promptKey, continued };
}
