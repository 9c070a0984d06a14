import { z } from 'zod';

/**
 * The Responses API objects Spark writes (shared/spec/responses-api.md §1.5), as schemas; the
 * types are inferred from them. These are the shapes a producer must write in full; what a
 * client relies on when reading is in `read-server-message.ts`.
 */

export const RESPONSE_STATUSES = ['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled'] as const;
export const responseStatusSchema = z.enum(RESPONSE_STATUSES);
export type ResponseStatus = z.infer<typeof responseStatusSchema>;

export const itemStatusSchema = z.enum(['in_progress', 'completed', 'incomplete']);
export type ItemStatus = z.infer<typeof itemStatusSchema>;

export const outputTextPartSchema = z.object({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()),
  logprobs: z.array(z.unknown()),
});
export type OutputTextPart = z.infer<typeof outputTextPartSchema>;

export const refusalPartSchema = z.object({ type: z.literal('refusal'), refusal: z.string() });
export type RefusalPart = z.infer<typeof refusalPartSchema>;

export const outputMessageSchema = z.object({
  type: z.literal('message'),
  id: z.string(),
  status: itemStatusSchema,
  role: z.literal('assistant'),
  content: z.array(z.discriminatedUnion('type', [outputTextPartSchema, refusalPartSchema])),
  phase: z.enum(['commentary', 'final_answer']).optional(),
});
export type OutputMessageItem = z.infer<typeof outputMessageSchema>;

export const outputFunctionCallSchema = z.object({
  type: z.literal('function_call'),
  id: z.string(),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  status: itemStatusSchema,
  /** Set when the tool was declared inside a `namespace` tool (Codex echoes it back). */
  namespace: z.string().optional(),
});
export type FunctionCallOutputItem = z.infer<typeof outputFunctionCallSchema>;

/** A call of a custom (freeform) tool: the function call's fields, its text `input` in place of `arguments`. */
export const outputCustomToolCallSchema = outputFunctionCallSchema.omit({ type: true, arguments: true }).extend({
  type: z.literal('custom_tool_call'),
  input: z.string(),
});
export type CustomToolCallOutputItem = z.infer<typeof outputCustomToolCallSchema>;

/** Raw reasoning text inside a reasoning item (what thinking models produce, spec §2.5). */
export const reasoningTextPartSchema = z.object({ type: z.literal('reasoning_text'), text: z.string() });
export type ReasoningTextPart = z.infer<typeof reasoningTextPartSchema>;

export const outputReasoningSchema = z.object({
  type: z.literal('reasoning'),
  id: z.string(),
  status: itemStatusSchema,
  summary: z.array(z.object({ type: z.literal('summary_text'), text: z.string() })),
  content: z.array(reasoningTextPartSchema).optional(),
  encrypted_content: z.string().nullable().optional(),
});
export type ReasoningOutputItem = z.infer<typeof outputReasoningSchema>;

/** The item types Spark writes; a client passes others (hosted tool calls) through. */
export const OUTPUT_ITEM_TYPES = ['message', 'function_call', 'custom_tool_call', 'reasoning'] as const;

export const outputItemSchema = z.discriminatedUnion('type', [outputMessageSchema, outputFunctionCallSchema, outputCustomToolCallSchema, outputReasoningSchema]);
export type OutputItem = z.infer<typeof outputItemSchema>;

export const usageSchema = z.object({
  input_tokens: z.number(),
  input_tokens_details: z.object({ cached_tokens: z.number(), cache_write_tokens: z.number() }),
  output_tokens: z.number(),
  output_tokens_details: z.object({
    reasoning_tokens: z.number(),
    /** Output tokens drafted from the request's `prediction` that verification accepted. */
    accepted_prediction_tokens: z.number(),
    /** Tokens drafted from the `prediction` that verification rejected (computed, then discarded). */
    rejected_prediction_tokens: z.number(),
  }),
  total_tokens: z.number(),
});
export type Usage = z.infer<typeof usageSchema>;

export const responseErrorSchema = z.object({ code: z.string(), message: z.string() });
export type ResponseError = z.infer<typeof responseErrorSchema>;

export const responseObjectSchema = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number(),
  completed_at: z.number().nullable(),
  status: responseStatusSchema,
  model: z.string(),
  previous_response_id: z.string().nullable(),
  store: z.boolean(),
  instructions: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  error: responseErrorSchema.nullable(),
  incomplete_details: z.object({ reason: z.string() }).nullable(),
  temperature: z.number().nullable(),
  top_p: z.number().nullable(),
  max_output_tokens: z.number().nullable(),
  truncation: z.enum(['auto', 'disabled']),
  parallel_tool_calls: z.boolean(),
  tool_choice: z.unknown(),
  tools: z.array(z.unknown()),
  reasoning: z.object({ effort: z.string().nullable(), summary: z.string().nullable() }),
  text: z.object({ format: z.unknown(), verbosity: z.string().optional() }),
  prompt_cache_key: z.string().nullable(),
  service_tier: z.string().nullable(),
  output: z.array(outputItemSchema),
  usage: usageSchema.nullable(),
});
export type ResponseObject = z.infer<typeof responseObjectSchema>;
