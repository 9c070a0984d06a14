import type { GenerateRequest } from '@spark/engine';
import type { CreateResponseBody } from '@spark/protocol';
import type { ContextItem } from './context-item.js';
import { toConversation } from './to-conversation.js';
import { toOutputFormat } from './to-output-format.js';
import { toToolChoice } from './to-tool-choice.js';
import { toToolSpecs, type ToolSet } from './to-tool-specs.js';

export interface BuildGenerateRequestOptions {
  /** Temperature when the request sets none. */
  defaultTemperature: number;
  signal: AbortSignal;
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
): { request: GenerateRequest; toolSet: ToolSet } {
  const toolSet = toToolSpecs(body.tools);
  const { toolChoice, tools } = toToolChoice(body.tool_choice, toolSet);
  const conversation = toConversation(body.instructions, context, toolSet.flatName);
  const request: GenerateRequest = {
    model: body.model,
    conversation,
    tools,
    toolChoice,
    parallelToolCalls: body.parallel_tool_calls ?? true,
    outputFormat: toOutputFormat(body.text?.format),
    ...(typeof body.max_output_tokens === 'number' ? { maxOutputTokens: body.max_output_tokens } : {}),
    sampling: {
      temperature: body.temperature ?? options.defaultTemperature,
      ...(typeof body.top_p === 'number' ? { topP: body.top_p } : {}),
      ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
    },
    ...(body.prompt_cache_key ? { cacheKey: body.prompt_cache_key } : {}),
    signal: options.signal,
  };
  return { request, toolSet };
}
