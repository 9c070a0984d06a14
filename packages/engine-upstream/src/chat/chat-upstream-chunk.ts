import { z } from 'zod';

// A lenient reading of `chat.completion.chunk` for upstreams. Protocol's
// `chatCompletionChunkSchema` is the shape Spark writes; servers in the wild are looser than it:
// `id`/`created`/`model`/`object` missing on usage-only chunks (some proxies), finish reasons
// outside OpenAI's list (SGLang's and vLLM's `abort`, Ollama's older `null` with tool calls),
// usage with missing totals, tool-call arguments sent as an object (some Ollama builds), and
// mid-stream `{"error": ...}` events (vLLM, SGLang, llama-server). Only what the engine reads is
// parsed; everything else passes through untouched.

const count = z.number().nonnegative().catch(0);

const usageSchema = z.looseObject({
  prompt_tokens: count.optional(),
  completion_tokens: count.optional(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish().catch(null),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish().catch(null),
});

const toolCallDeltaSchema = z.looseObject({
  index: z.number().int().min(0).optional(),
  id: z.string().nullish(),
  function: z.looseObject({
    name: z.string().nullish(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  }).nullish(),
});

export const upstreamChunkSchema = z.looseObject({
  choices: z.array(z.looseObject({
    index: z.number().optional(),
    delta: z.looseObject({
      content: z.string().nullish(),
      reasoning_content: z.string().nullish(),
      reasoning: z.string().nullish(),
      tool_calls: z.array(toolCallDeltaSchema).nullish(),
    }).nullish(),
    finish_reason: z.string().nullish(),
  })).nullish(),
  usage: usageSchema.nullish().catch(null),
  /** llama-server's own numbers on the last chunk. */
  timings: z.looseObject({
    prompt_n: z.number().optional(),
    prompt_ms: z.number().optional(),
    predicted_n: z.number().optional(),
    predicted_ms: z.number().optional(),
    cache_n: z.number().optional(),
  }).nullish().catch(null),
  /** Cerebras' numbers on the last chunk, in seconds. */
  time_info: z.looseObject({
    prompt_time: z.number().optional(),
    completion_time: z.number().optional(),
  }).nullish().catch(null),
  error: z.unknown().optional(),
});
export type UpstreamChunk = z.infer<typeof upstreamChunkSchema>;
export type UpstreamToolCallDelta = z.infer<typeof toolCallDeltaSchema>;
export type UpstreamUsage = z.infer<typeof usageSchema>;

/**
 * The chunk as the schema reads it, checking the shape almost every chunk of a stream has (one
 * choice whose delta is text, or nothing, and no usage, timings or error) by hand first: that
 * shape passes the schema unchanged, and skipping zod for it halves the per-token cost of an
 * upstream stream. Anything else goes through the schema.
 */
export function readUpstreamChunk(json: unknown): z.ZodSafeParseResult<UpstreamChunk> {
  if (isPlainTextChunk(json)) return { success: true, data: json };
  return upstreamChunkSchema.safeParse(json);
}

function isPlainTextChunk(json: unknown): json is UpstreamChunk {
  if (typeof json !== 'object' || json === null) return false;
  const chunk = json as Record<string, unknown>;
  if (chunk['usage'] != null || chunk['timings'] != null || chunk['time_info'] != null || chunk['error'] !== undefined) return false;
  const choices = chunk['choices'];
  if (!Array.isArray(choices) || choices.length !== 1) return false;
  const choice: unknown = choices[0];
  if (typeof choice !== 'object' || choice === null) return false;
  const { delta, finish_reason: finish, index } = choice as Record<string, unknown>;
  if (finish != null || (index !== undefined && typeof index !== 'number')) return false;
  if (typeof delta !== 'object' || delta === null) return false;
  const { content, tool_calls: calls, reasoning, reasoning_content: reasoningContent } = delta as Record<string, unknown>;
  return (content == null || typeof content === 'string') && calls == null && reasoning == null && reasoningContent == null;
}
