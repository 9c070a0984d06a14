import { z } from 'zod';
import { approvalDecisionSchema, backgroundRoleSchema } from './agent-event-schema.js';

/** Longest text one op may carry (a user message, a steer, a queued message), in characters. */
export const MAX_OP_TEXT_CHARS = 1_000_000;

/** Paths one background task may name as its scope. */
export const MAX_BACKGROUND_SCOPE_FILES = 200;

const text = z.string().max(MAX_OP_TEXT_CHARS);
const index = z.number().int().nonnegative();

/**
 * What a client submits to an agent thread (the submission queue). Answers come back as events;
 * an op the thread cannot take now (a `user_message` while a turn runs) is refused with a code.
 */
export const agentOpSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user_message'), text }),
  z.object({ type: z.literal('steer'), text }),
  z.object({ type: z.literal('queue'), text }),
  z.object({ type: z.literal('edit_queued'), index, text: text.nullable() }),
  z.object({ type: z.literal('promote_queued'), index }),
  z.object({ type: z.literal('interrupt') }),
  z.object({ type: z.literal('approval'), request_id: z.string().min(1), decision: approvalDecisionSchema }),
  z.object({ type: z.literal('undo') }),
  z.object({ type: z.literal('compact') }),
  z.object({ type: z.literal('set_model'), model: z.string().min(1) }),
  // Dual mode: the user hands a task to a background agent (`/bg`, `spark exec --background`).
  z.object({
    type: z.literal('background'), text,
    files: z.array(z.string().min(1).max(4096)).max(MAX_BACKGROUND_SCOPE_FILES).optional(),
    role: backgroundRoleSchema.optional(),
  }),
  z.object({ type: z.literal('background_message'), agent_id: z.string().min(1), text }),
  // Without `agent_id`: stops every background agent (a foreground `interrupt` stops none).
  z.object({ type: z.literal('background_stop'), agent_id: z.string().min(1).optional() }),
  // Applies a finished background agent's patch to the workspace through the apply_patch path.
  z.object({ type: z.literal('background_apply'), agent_id: z.string().min(1) }),
]);
export type AgentOp = z.infer<typeof agentOpSchema>;
export type AgentOpType = AgentOp['type'];

/** Why an op was refused at the boundary. */
export class AgentOpError extends Error {
  constructor(readonly code: 'invalid_op', message: string) {
    super(message);
    this.name = 'AgentOpError';
  }
}

/** Parses an op from untrusted input (a socket, a test); throws `AgentOpError` with what is wrong. */
export function parseAgentOp(value: unknown): AgentOp {
  const result = agentOpSchema.safeParse(value);
  if (result.success) return result.data;
  const type = typeof value === 'object' && value !== null && 'type' in value ? String(value.type) : '(none)';
  const detail = result.error.issues.map((issue) => `${issue.path.join('.') || 'op'}: ${issue.message}`).join('; ');
  throw new AgentOpError('invalid_op', `Invalid agent op (type ${type}): ${detail}`);
}
