import { z } from 'zod';
import { historyItemSchema } from './history-item-schema.js';

/**
 * Every agent event carries where it belongs: the thread (a session), the turn (null outside
 * one) and `seq`, which rises by one per event of the thread, so a client that attaches late
 * (snapshot, then live events with a higher seq) sees no gap and no duplicate.
 */
export const agentEventEnvelopeSchema = z.object({
  thread_id: z.string(),
  turn_id: z.string().nullable(),
  seq: z.number().int().nonnegative(),
});
export type AgentEventEnvelope = z.infer<typeof agentEventEnvelopeSchema>;

/** How a turn ended; `repetition`: the loop guard stopped a model that repeated itself (text, or the same call). */
export const turnStatusSchema = z.enum(['completed', 'interrupted', 'failed', 'max_steps', 'repetition']);
export type TurnStatus = z.infer<typeof turnStatusSchema>;

/** The user's answer to an approval request; `approve_session` also approves the same kind for the rest of the session. */
export const approvalDecisionSchema = z.enum(['approve', 'approve_session', 'deny']);
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** What the harness asks the user to approve. */
export const approvalRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('shell'), call_id: z.string(), command: z.string(), reason: z.string(), classes: z.array(z.string()) }),
  z.object({ kind: z.literal('patch'), call_id: z.string(), patch: z.string(), paths: z.array(z.string()), reason: z.string() }),
]);
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** Per-response numbers, as the client measured them and the server reported them. */
export const responseStatsSchema = z.object({
  response_id: z.string(),
  input_tokens: z.number(),
  cached_input_tokens: z.number(),
  output_tokens: z.number(),
  /** From sending the request to the first streamed delta (text or tool input); null without output. */
  ttft_ms: z.number().nullable(),
  /** Output tokens per second of streaming, from the first delta to the last; null under 50 ms of streaming (the agent's MIN_RATE_WINDOW_MS: a burst says nothing) or one token. */
  tokens_per_second: z.number().nullable(),
  transport: z.enum(['websocket', 'http']),
  /** Items sent in this request: only new ones on a warm WebSocket chain, all of them otherwise. */
  input_items_sent: z.number().int(),
});
export type ResponseStats = z.infer<typeof responseStatsSchema>;

/** Which model a background agent runs: `fast` (the foreground's) or `deep` (the configured deep model). */
export const backgroundRoleSchema = z.enum(['fast', 'deep']);
export type BackgroundRole = z.infer<typeof backgroundRoleSchema>;

/**
 * Where a background agent stands: `running`; `finished` (its answer and patch are out; a message
 * starts it again); `stopped` (by the user, or reported so after a restart); `failed`.
 */
export const backgroundStatusSchema = z.enum(['running', 'finished', 'stopped', 'failed']);
export type BackgroundStatus = z.infer<typeof backgroundStatusSchema>;

/** One background agent as lists and snapshots show it. */
export const backgroundAgentInfoSchema = z.object({
  agent_id: z.string(),
  task: z.string(),
  role: backgroundRoleSchema,
  model: z.string(),
  status: backgroundStatusSchema,
  steps: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  elapsed_ms: z.number().nonnegative(),
  /** Its last answer, once it has one. */
  summary: z.string().optional(),
  /** Its changes as an apply_patch envelope ('' when it changed nothing), once finished. */
  patch: z.string().optional(),
  /** The patch went into the workspace. */
  applied: z.boolean().optional(),
});
export type BackgroundAgentInfo = z.infer<typeof backgroundAgentInfoSchema>;

function event<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return agentEventEnvelopeSchema.extend({ type: z.literal(type), ...shape });
}

/**
 * Everything the agent reports, one flat union: the TUI renders it, `spark exec --json` prints
 * it as JSONL, a host forwards it over a socket. Field names are snake_case: a wire format.
 */
export const agentEventSchema = z.discriminatedUnion('type', [
  event('turn.started', { turn: z.number().int(), input: z.string() }),
  event('response.started', { response_id: z.string() }),
  event('text.delta', { response_id: z.string(), delta: z.string() }),
  // `name`: the tool the call is for (known from the call's start), so a UI can draw a patch as it forms.
  event('tool_input.delta', { response_id: z.string(), call_id: z.string(), delta: z.string(), name: z.string().optional() }),
  event('message', { text: z.string(), partial: z.boolean() }),
  event('tool_call', { call_id: z.string(), name: z.string(), input: z.string() }),
  // `request_id` is what the `approval` op answers; `request` holds the full command or patch.
  // A shell command's output as it is printed (bounded); the `tool_result` that follows holds what the model sees.
  event('tool_output.delta', { call_id: z.string(), delta: z.string() }),
  event('approval.requested', {
    request_id: z.string(), call_id: z.string(), kind: z.enum(['shell', 'patch']), summary: z.string(), reason: z.string(), request: approvalRequestSchema,
  }),
  event('approval.decided', { request_id: z.string(), call_id: z.string(), decision: approvalDecisionSchema }),
  event('tool_result', {
    call_id: z.string(), name: z.string(), ok: z.boolean(), output: z.string(), exit_code: z.number().int().nullable().optional(), duration_ms: z.number(),
  }),
  // One piece of an apply_patch call checked against the workspace while the call streams (nothing is written):
  // `hunk` is 1-based within its `*** Update File` section (0 for an add or a delete); on failure, `expected` holds the
  // lines sought and `excerpt` the file's nearest text; `stopped`: the agent stopped the response to let the model retry.
  event('patch.hunk', {
    call_id: z.string(), path: z.string(), hunk: z.number().int().nonnegative(), ok: z.boolean(),
    code: z.string().optional(), message: z.string().optional(), expected: z.array(z.string()).optional(), excerpt: z.string().optional(),
    stopped: z.boolean().optional(),
  }),
  event('patch.applied', { call_id: z.string(), changes: z.array(z.object({ kind: z.enum(['A', 'M', 'D']), path: z.string() })) }),
  event('patch.undone', { call_id: z.string(), restored: z.array(z.string()) }),
  event('file.reread', { path: z.string(), deleted: z.boolean() }),
  event('steer.sent', { text: z.string(), response_id: z.string() }),
  event('steer.applied', { text: z.string(), how: z.enum(['successor', 'with_tool_results', 'next_request']) }),
  event('queue.changed', { queued: z.array(z.string()) }),
  event('compaction', { kind: z.enum(['prune', 'summary']), tokens_before: z.number(), tokens_after: z.number() }),
  event('response.completed', { stats: responseStatsSchema, status: z.string() }),
  event('model.changed', { model: z.string() }),
  event('warning', { code: z.string(), message: z.string() }),
  event('error', { code: z.string(), message: z.string() }),
  event('turn.completed', { turn: z.number().int(), status: turnStatusSchema, final_message: z.string(), steps: z.number().int() }),
  event('history.replaced', { items: z.array(historyItemSchema) }),
  // Dual mode: background agents, reported on the foreground thread (`agent_id` names one).
  event('background.started', { agent_id: z.string(), task: z.string(), role: backgroundRoleSchema, model: z.string(), files: z.array(z.string()), stream_id: z.string() }),
  event('background.step', { agent_id: z.string(), step: z.number().int(), tool: z.string() }),
  // Watching one live: its answer text, coalesced (several tokens per event), and each tool's outcome in brief.
  event('background.delta', { agent_id: z.string(), delta: z.string() }),
  event('background.tool', { agent_id: z.string(), name: z.string(), ok: z.boolean(), output: z.string() }),
  // `cached_tokens`: input tokens the server served from its KV cache so far (a fork from the foreground's context shows here).
  event('background.status', { agent_id: z.string(), status: backgroundStatusSchema, steps: z.number().int(), tokens: z.number().int(), cached_tokens: z.number().int().optional(), elapsed_ms: z.number() }),
  event('background.finished', { agent_id: z.string(), status: turnStatusSchema, summary: z.string(), patch: z.string(), files: z.array(z.string()) }),
  event('background.stopped', { agent_id: z.string(), reason: z.string() }),
  event('background.error', { agent_id: z.string(), code: z.string(), message: z.string() }),
  // `applied` false: nothing was written; `message` says which file and hunk no longer match.
  event('background.applied', { agent_id: z.string(), applied: z.boolean(), message: z.string() }),
  // The thread has no running turn and no queued one left to start: a `user_message` now starts one.
  event('thread.idle', {}),
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;
export type AgentEventType = AgentEvent['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as the agent raises it, before the thread stamps `thread_id`, `turn_id` and `seq`. */
export type AgentEventBody = DistributiveOmit<AgentEvent, keyof AgentEventEnvelope>;

/** Drops the envelope: the event as it was before events carried ids (for comparisons and old readers). */
export function eventBody(event: AgentEvent): AgentEventBody {
  const { thread_id: _thread, turn_id: _turn, seq: _seq, ...body } = event;
  return body;
}
