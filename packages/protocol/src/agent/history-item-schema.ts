import { z } from 'zod';

/**
 * What the agent remembers of a conversation, in the Responses API's own item shapes (without
 * server ids: the agent's history must replay against any endpoint, stored or not). A thread
 * snapshot carries these, so a client in another process parses them with this schema.
 */
export const historyItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), role: z.enum(['user', 'assistant', 'developer']), content: z.string() }),
  z.object({ type: z.literal('function_call'), call_id: z.string(), name: z.string(), arguments: z.string() }),
  z.object({ type: z.literal('function_call_output'), call_id: z.string(), output: z.string() }),
  z.object({ type: z.literal('custom_tool_call'), call_id: z.string(), name: z.string(), input: z.string() }),
  z.object({ type: z.literal('custom_tool_call_output'), call_id: z.string(), output: z.string() }),
]);
export type HistoryItem = z.infer<typeof historyItemSchema>;
