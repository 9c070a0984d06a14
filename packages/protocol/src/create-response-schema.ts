import { z } from 'zod';
import { inputItemSchema } from './input-item-schema.js';
import { jsonSchemaSchema, toolChoiceSchema, toolSchema } from './tool-schema.js';

/** `text.format`: plain text, any JSON object, or JSON matching a schema. */
export const textFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1).max(64),
    schema: jsonSchemaSchema,
    strict: z.boolean().nullish(),
    description: z.string().optional(),
  }),
]);
export type TextFormat = z.infer<typeof textFormatSchema>;

export const reasoningConfigSchema = z.object({
  effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullish(),
  summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
  generate_summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
}).loose();

/**
 * `prediction` (OpenAI's Predicted Outputs, a Spark extension on the Responses API): text the
 * output is expected to mostly repeat, e.g. the file an edit rewrites. It only makes the output
 * arrive sooner; what is generated does not change.
 */
export const predictionSchema = z.object({
  type: z.literal('content'),
  content: z.union([
    z.string(),
    z.array(z.object({ type: z.literal('text'), text: z.string() })),
  ]),
});
export type Prediction = z.infer<typeof predictionSchema>;

/** The predicted text of a `prediction`: a string as is, text parts joined. */
export function predictionText(prediction: Prediction): string {
  return typeof prediction.content === 'string' ? prediction.content : prediction.content.map((part) => part.text).join('');
}

/**
 * `priority` (a Spark extension on the Responses API): how the embedded engine schedules this
 * response against the others on the same model. `foreground` (the default) is someone waiting
 * for tokens; `background` is work nobody watches token by token (a background agent): its
 * steps wait while a foreground response prefills and join only some of the foreground's decode
 * steps, so a foreground token is never more than one batch step behind. Engines that schedule
 * nothing themselves (upstreams) ignore it.
 */
export const RESPONSE_PRIORITIES = ['foreground', 'background'] as const;
export const prioritySchema = z.enum(RESPONSE_PRIORITIES);
export type ResponsePriority = z.infer<typeof prioritySchema>;

export const metadataSchema = z.record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'metadata may hold at most 16 keys');

/**
 * Body of `POST /v1/responses` (and of a WebSocket `response.create`). Fields this schema does not
 * list are dropped, not rejected: OpenAI clients send extras (client_metadata, prompt_cache_options).
 */
export const createResponseSchema = z.object({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
  instructions: z.string().nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  previous_response_id: z.string().min(1).max(512).nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_obfuscation: z.boolean().optional() }).loose().nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  seed: z.number().int().nullish(),
  reasoning: reasoningConfigSchema.nullish(),
  text: z.object({
    format: textFormatSchema.optional(),
    verbosity: z.enum(['low', 'medium', 'high']).nullish(),
  }).loose().nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  include: z.array(z.string()).nullish(),
  prompt_cache_key: z.string().max(1024).nullish(),
  metadata: metadataSchema.nullish(),
  background: z.boolean().nullish(),
  service_tier: z.string().nullish(),
  user: z.string().nullish(),
  max_tool_calls: z.number().int().min(1).nullish(),
  prediction: predictionSchema.nullish(),
  /**
   * Spark extension: stop the response when its text ends in a loop (see LoopGuard); it ends
   * `incomplete` with reason `repetition`, its partial output kept. Off unless asked for, so API
   * clients get the model's raw behaviour.
   */
  loop_guard: z.boolean().nullish(),
  /** Spark extension: `foreground` (default) or `background` scheduling (see `prioritySchema`). */
  priority: prioritySchema.nullish(),
});
export type CreateResponseBody = z.infer<typeof createResponseSchema>;
