import { z } from 'zod';

/** Content parts a client may send inside a `message` input item. */
export const inputContentPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_text'), text: z.string() }),
  z.object({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()).optional(), logprobs: z.array(z.unknown()).optional() }),
  z.object({ type: z.literal('refusal'), refusal: z.string() }),
  z.object({ type: z.literal('summary_text'), text: z.string() }),
  z.object({ type: z.literal('reasoning_text'), text: z.string() }),
  z.object({ type: z.literal('input_image'), image_url: z.string().nullish(), file_id: z.string().nullish(), detail: z.string().optional() }),
  z.object({ type: z.literal('input_file'), file_id: z.string().nullish(), file_data: z.string().optional(), file_url: z.string().optional(), filename: z.string().optional() }),
]);
export type InputContentPart = z.infer<typeof inputContentPartSchema>;

const idField = z.string().max(512).optional();
const statusField = z.enum(['in_progress', 'completed', 'incomplete']).optional();

/** Tool output may be a string or a list of content parts. */
export const toolOutputSchema = z.union([z.string(), z.array(inputContentPartSchema)]);

export const messageItemSchema = z.object({
  type: z.literal('message').optional(),
  id: idField,
  status: statusField,
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(inputContentPartSchema)]),
  phase: z.enum(['commentary', 'final_answer']).nullish(),
});

export const functionCallItemSchema = z.object({
  type: z.literal('function_call'),
  id: idField,
  status: statusField,
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  namespace: z.string().optional(),
});

export const functionCallOutputItemSchema = z.object({
  type: z.literal('function_call_output'),
  id: idField,
  status: statusField,
  call_id: z.string().min(1),
  output: toolOutputSchema,
});

export const customToolCallItemSchema = z.object({
  type: z.literal('custom_tool_call'),
  id: idField,
  status: statusField,
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
  namespace: z.string().optional(),
});

export const customToolCallOutputItemSchema = z.object({
  type: z.literal('custom_tool_call_output'),
  id: idField,
  status: statusField,
  call_id: z.string().min(1),
  output: toolOutputSchema,
});

export const reasoningItemSchema = z.object({
  type: z.literal('reasoning'),
  id: idField,
  status: statusField,
  summary: z.array(z.object({ type: z.literal('summary_text'), text: z.string() })).default([]),
  content: z.array(z.object({ type: z.literal('reasoning_text'), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
});

export const itemReferenceSchema = z.object({
  type: z.literal('item_reference').optional(),
  id: z.string().min(1),
});

export const compactionItemSchema = z.object({
  type: z.literal('compaction'),
  id: idField,
  encrypted_content: z.string(),
});

/**
 * Item types OpenAI defines for hosted tools. A local model cannot have produced them, so they are
 * accepted (clients replay them) and dropped when the prompt is rendered.
 */
export const DROPPED_ITEM_TYPES = [
  'tool_search_call', 'tool_search_output', 'web_search_call', 'file_search_call',
  'local_shell_call', 'local_shell_call_output', 'shell_call', 'shell_call_output',
  'apply_patch_call', 'apply_patch_call_output', 'mcp_call', 'mcp_list_tools',
  'mcp_approval_request', 'mcp_approval_response', 'computer_call', 'computer_call_output',
  'image_generation_call', 'code_interpreter_call',
] as const;

export const droppedItemSchema = z.object({
  type: z.enum(DROPPED_ITEM_TYPES),
  id: idField,
}).loose();

/** One entry of the request's `input` array. */
export const inputItemSchema = z.union([
  messageItemSchema,
  functionCallItemSchema,
  functionCallOutputItemSchema,
  customToolCallItemSchema,
  customToolCallOutputItemSchema,
  reasoningItemSchema,
  compactionItemSchema,
  droppedItemSchema,
  itemReferenceSchema,
]);
export type InputItem = z.infer<typeof inputItemSchema>;
export type MessageInputItem = z.infer<typeof messageItemSchema>;
