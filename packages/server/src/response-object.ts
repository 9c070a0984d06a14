import type { CreateResponseBody, ResponseObject } from '@spark/protocol';

/**
 * The in-progress Response object of spec §1.5 for a request: every field the SDK type
 * requires, request settings echoed (null when unset), empty output, no usage yet.
 */
export function createResponseObject(body: CreateResponseBody, id: string, createdAt: number): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    completed_at: null,
    status: 'in_progress',
    model: body.model,
    previous_response_id: body.previous_response_id ?? null,
    store: body.store ?? true,
    instructions: body.instructions ?? null,
    metadata: body.metadata ?? {},
    error: null,
    incomplete_details: null,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    truncation: body.truncation ?? 'disabled',
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    text: {
      format: body.text?.format ?? { type: 'text' },
      ...(body.text?.verbosity ? { verbosity: body.text.verbosity } : {}),
    },
    prompt_cache_key: body.prompt_cache_key ?? null,
    service_tier: body.service_tier ?? null,
    output: [],
    usage: null,
  };
}
