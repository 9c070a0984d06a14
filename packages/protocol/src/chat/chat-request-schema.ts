import { z } from 'zod';
import { jsonSchemaSchema } from '../tool-schema.js';

// OpenAI's Chat Completions request (`POST /v1/chat/completions`), as the API reference and the
// official SDK's `ChatCompletionCreateParams` spell it. Spark serves it (server) and sends it to
// upstreams (engine-upstream), so both parse and build with these schemas. Objects are loose:
// clients in the wild (LiteLLM, Aider, Continue) send fields Spark does not use (`user`,
// `metadata`, `logit_bias`...), and refusing them would break those clients for nothing.

const TOOL_NAME = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'tool names may contain letters, digits, _ . -');

export const chatTextPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
export type ChatTextPart = z.infer<typeof chatTextPartSchema>;
/** Non-text user parts (images, audio, files): accepted on the wire, refused by a text-only engine. */
export const chatMediaPartSchema = z.looseObject({ type: z.enum(['image_url', 'input_audio', 'file']) });
export const chatRefusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

/** A call as the assistant made it (in a request's history, and in a non-streamed reply). */
export const chatToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
export type ChatToolCall = z.infer<typeof chatToolCallSchema>;

const textContent = z.union([z.string(), z.array(chatTextPartSchema)]);

export const chatSystemMessageSchema = z.looseObject({ role: z.enum(['system', 'developer']), content: textContent, name: z.string().optional() });
export const chatUserMessageSchema = z.looseObject({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(z.union([chatTextPartSchema, chatMediaPartSchema]))]),
  name: z.string().optional(),
});
export const chatAssistantMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(z.union([chatTextPartSchema, chatRefusalPartSchema]))]).nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(chatToolCallSchema).nullish(),
  name: z.string().optional(),
  /** Not OpenAI's: the reasoning field DeepSeek, vLLM and SGLang return, which some clients send back. */
  reasoning_content: z.string().nullish(),
});
export const chatToolMessageSchema = z.looseObject({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) });

export const chatMessageSchema = z.discriminatedUnion('role', [
  chatSystemMessageSchema, chatUserMessageSchema, chatAssistantMessageSchema, chatToolMessageSchema,
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatFunctionToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: TOOL_NAME,
    description: z.string().nullish(),
    parameters: jsonSchemaSchema.nullish(),
    strict: z.boolean().nullish(),
  }),
});
export type ChatFunctionTool = z.infer<typeof chatFunctionToolSchema>;

export const chatToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
]);
export type ChatToolChoice = z.infer<typeof chatToolChoiceSchema>;

export const chatResponseFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().min(1).max(64),
      description: z.string().nullish(),
      schema: jsonSchemaSchema.nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
export type ChatResponseFormat = z.infer<typeof chatResponseFormatSchema>;

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  tools: z.array(chatFunctionToolSchema).nullish(),
  tool_choice: chatToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: chatResponseFormatSchema.nullish(),
  /** Deprecated by OpenAI in favour of `max_completion_tokens`; most servers take both. */
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  /** Choices to generate; only 1 is served. */
  n: z.number().int().min(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  /** Predicted Outputs: text the answer is expected to mostly repeat. */
  prediction: z.looseObject({ type: z.literal('content'), content: textContent }).nullish(),
  reasoning_effort: z.string().nullish(),
  user: z.string().nullish(),
});
/** A request as a client may write it. */
export type ChatCompletionRequest = z.input<typeof chatCompletionRequestSchema>;
/** A request as parsed. */
export type ChatCompletionBody = z.infer<typeof chatCompletionRequestSchema>;

/** The text of a text-only content field (string or text parts, joined without separators, as OpenAI does). */
export function chatContentText(content: string | ReadonlyArray<{ type: string; text?: string }> | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}
