import { z } from 'zod';
import { approvalRequestSchema, backgroundAgentInfoSchema } from './agent-event-schema.js';
import { historyItemSchema } from './history-item-schema.js';

/**
 * A thread's state for a client that attaches late: render this, then apply live events with
 * `seq > last_seq` (none is missed, none repeats). `last_seq` is 0 before the first event.
 */
export const threadSnapshotSchema = z.object({
  thread_id: z.string(),
  /** Turns started so far (the next turn is `turns + 1`). */
  turns: z.number().int().nonnegative(),
  history: z.array(historyItemSchema),
  /** Approval requests waiting for an `approval` op, as they were emitted. */
  pending_approvals: z.array(z.object({
    request_id: z.string(), turn_id: z.string().nullable(), seq: z.number().int(),
    call_id: z.string(), kind: z.enum(['shell', 'patch']), summary: z.string(), reason: z.string(),
    request: approvalRequestSchema,
  })),
  queued: z.array(z.string()),
  running_turn_id: z.string().nullable(),
  model: z.string(),
  context_tokens: z.number().int().nonnegative(),
  context_window: z.number().int().nonnegative(),
  last_seq: z.number().int().nonnegative(),
  /**
   * Patches the `undo` op can restore, oldest first (`undo` restores the last): the call that
   * applied each and the paths it touched. Absent from hosts that predate it.
   */
  undoable: z.array(z.object({ call_id: z.string(), paths: z.array(z.string()) })).optional(),
  /** Background agents of this thread (dual mode); absent from hosts that predate it. */
  background: z.array(backgroundAgentInfoSchema).optional(),
});
export type ThreadSnapshot = z.infer<typeof threadSnapshotSchema>;
export type PendingApproval = ThreadSnapshot['pending_approvals'][number];
export type UndoablePatch = NonNullable<ThreadSnapshot['undoable']>[number];
