import { backgroundAgentInfoSchema } from '@spark/protocol';
import { z } from 'zod';
import type { HistoryItem } from '../history/history-item.js';

const historyItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), role: z.enum(['user', 'assistant', 'developer']), content: z.string() }),
  z.object({ type: z.literal('function_call'), call_id: z.string(), name: z.string(), arguments: z.string() }),
  z.object({ type: z.literal('function_call_output'), call_id: z.string(), output: z.string() }),
  z.object({ type: z.literal('custom_tool_call'), call_id: z.string(), name: z.string(), input: z.string() }),
  z.object({ type: z.literal('custom_tool_call_output'), call_id: z.string(), output: z.string() }),
]) satisfies z.ZodType<HistoryItem>;

const metaShape = {
  version: z.literal(1),
  id: z.string(),
  created_at: z.string(),
  workspace: z.string(),
  model: z.string(),
  forked_from: z.object({ id: z.string(), turn: z.number().int() }).optional(),
};

/** A file's content before a patch; null: the file did not exist. */
const snapshotFileSchema = z.object({ path: z.string(), before: z.string().nullable() });

const sessionRecordSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session'), ...metaShape }),
  z.object({ type: z.literal('turn'), turn: z.number().int().positive(), input: z.string() }),
  z.object({ type: z.literal('item'), item: historyItemSchema }),
  z.object({ type: z.literal('history'), reason: z.enum(['compaction', 'fork']), items: z.array(historyItemSchema), turns: z.number().int().optional() }),
  z.object({ type: z.literal('patch'), call_id: z.string(), files: z.array(snapshotFileSchema) }),
  z.object({ type: z.literal('undo'), call_id: z.string() }),
  // `/model` (the set_model op): the session goes on on this model (the last record wins).
  z.object({ type: z.literal('model'), model: z.string() }),
  // Dual mode: a background agent's state as of its last change (the last record per id wins).
  z.object({ type: z.literal('background'), info: backgroundAgentInfoSchema }),
]);

export type SessionRecord = z.infer<typeof sessionRecordSchema>;
export type SessionMeta = Omit<Extract<SessionRecord, { type: 'session' }>, 'type'>;
export type SessionSnapshotFile = z.infer<typeof snapshotFileSchema>;

/** Session files are local but still untrusted input (edited, truncated, from another version). */
export function parseSessionRecord(value: unknown): SessionRecord | undefined {
  const parsed = sessionRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
