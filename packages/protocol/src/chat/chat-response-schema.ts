import { z } from 'zod';
import { chatToolCallSchema } from './chat-request-schema.js';

// OpenAI's Chat Completions answers: the whole `chat.completion` and the streamed
// `chat.completion.chunk` (`data:` lines of SSE, ended by `data: [DONE]`), as the API reference
// and the SDK's `ChatCompletion` / `ChatCompletionChunk` spell them. Spark writes them (server)
// and reads them from upstreams (engine-upstream). Fields are loose and mostly nullish because
// servers differ: vLLM and SGLang add `reasoning_content`, Ollama and llama.cpp `reasoning`,
// some send `usage: null` on every chunk, some omit `logprobs`.

export const CHAT_FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'] as const;
export const chatFinishReasonSchema = z.enum(CHAT_FINISH_REASONS);
export type ChatFinishReason = z.infer<typeof chatFinishReasonSchema>;

export const chatUsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({
    reasoning_tokens: z.number().nullish(),
    accepted_prediction_tokens: z.number().nullish(),
    rejected_prediction_tokens: z.number().nullish(),
  }).nullish(),
});
export type ChatUsage = z.infer<typeof chatUsageSchema>;

export const chatCompletionMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: z.string().nullable(),
  refusal: z.string().nullish(),
  tool_calls: z.array(chatToolCallSchema).nullish(),
  /** Not OpenAI's: vLLM's, SGLang's and DeepSeek's reasoning text. */
  reasoning_content: z.string().nullish(),
  /** Not OpenAI's: Ollama's and OpenRouter's name for the same. */
  reasoning: z.string().nullish(),
});

export const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(z.looseObject({
    index: z.number(),
    message: chatCompletionMessageSchema,
    logprobs: z.unknown().nullish(),
    finish_reason: chatFinishReasonSchema.nullable(),
  })),
  usage: chatUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
});
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/** One streamed piece of a tool call: the first carries `id` and `function.name`, later ones argument text. */
export const chatToolCallDeltaSchema = z.looseObject({
  index: z.number().int().min(0),
  id: z.string().nullish(),
  type: z.literal('function').nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});
export type ChatToolCallDelta = z.infer<typeof chatToolCallDeltaSchema>;

export const chatCompletionChunkSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number(),
  model: z.string(),
  choices: z.array(z.looseObject({
    index: z.number(),
    delta: z.looseObject({
      role: z.string().nullish(),
      content: z.string().nullish(),
      refusal: z.string().nullish(),
      tool_calls: z.array(chatToolCallDeltaSchema).nullish(),
      reasoning_content: z.string().nullish(),
      reasoning: z.string().nullish(),
    }),
    logprobs: z.unknown().nullish(),
    finish_reason: chatFinishReasonSchema.nullish(),
  })),
  /** With `stream_options.include_usage`: null on every chunk but the last, which has no choices. */
  usage: chatUsageSchema.nullish(),
  system_fingerprint: z.string().nullish(),
});
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

/**
 * The error body Chat Completions servers answer with: OpenAI's `{error:{message,type,param,code}}`
 * (the same shape Spark's Responses errors use). Some servers (older vLLM, Ollama) send
 * `{error: "text"}` or `{message}` instead; read those with `chatErrorMessage`.
 */
export const chatErrorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});
export type ChatErrorBody = z.infer<typeof chatErrorBodySchema>;

/** The message of any error body a Chat Completions server sends, or undefined. */
export function chatErrorMessage(body: unknown): string | undefined {
  const parsed = chatErrorBodySchema.safeParse(body);
  if (parsed.success) return parsed.data.error.message;
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record['error'] === 'string') return record['error'];
  if (typeof record['message'] === 'string') return record['message'];
  return undefined;
}
