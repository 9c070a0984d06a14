import { z } from 'zod';
import { agentEventSchema, agentOpSchema, threadSnapshotSchema, type AgentEvent } from '@spark/protocol';

/**
 * The agent host's wire (`GET /v1/agent`, one WebSocket per client, JSON text frames). Requests
 * carry an `id` the client picks; the host answers each with one `result` or one `error` with
 * that id. Events of the threads a client attached to arrive as `event` frames (or `events`
 * frames holding several), in the thread's order (`seq`), the same order for every attached client. Runtime-neutral: the browser app, the
 * VS Code extension and the TUI parse the same schemas the host does.
 */
export const HOST_PROTOCOL_VERSION = 1;

/** Longest request id a client may pick. */
export const MAX_REQUEST_ID_CHARS = 64;

const requestId = z.string().min(1).max(MAX_REQUEST_ID_CHARS);
const threadId = z.string().min(1).max(200);

function request<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), id: requestId, ...shape });
}

/** What a client asks of the host. */
export const hostRequestSchema = z.discriminatedUnion('type', [
  /** The workspace's threads, newest first (open ones and those on disk). */
  request('threads.list', {}),
  /** A new thread on `model` (default: the host's model); attaches the asking client to it. */
  request('thread.start', { model: z.string().min(1).optional() }),
  /**
   * Subscribes to a thread, opening it from disk first when it is not open (this is "resume").
   * The result holds the thread as of a turn boundary and the events since, so the client renders
   * the snapshot, applies the events, then the live `event` frames: no gap, no duplicate.
   */
  request('thread.attach', { thread_id: threadId }),
  /** A new thread with a copy of `thread_id`'s history up to the end of `turn` (default: all); attaches to it. */
  request('thread.fork', { thread_id: threadId, turn: z.number().int().nonnegative().optional() }),
  /** Stops the `event` frames of a thread for this client (the thread keeps running). */
  request('thread.detach', { thread_id: threadId }),
  /** One agent op (user message, steer, queue, interrupt, approval, undo, compact, set_model) on an attached thread. */
  request('thread.op', { thread_id: threadId, op: agentOpSchema }),
  /** Models this host's server serves, local and upstream. */
  request('models.list', {}),
]);
export type HostRequest = z.infer<typeof hostRequestSchema>;
export type HostRequestType = HostRequest['type'];

/** A thread as a list shows it. */
export const threadInfoSchema = z.object({
  thread_id: z.string(),
  /** The first user message, shortened; '' before it. */
  title: z.string(),
  model: z.string(),
  created_at: z.string(),
  /** Last change, ms since the epoch. */
  updated_ms: z.number(),
  /** `closed`: on disk only; `idle`: open, no turn running; `running`: a turn runs. */
  state: z.enum(['closed', 'idle', 'running']),
  forked_from: z.object({ thread_id: z.string(), turn: z.number().int() }).optional(),
});
export type ThreadInfo = z.infer<typeof threadInfoSchema>;

export const modelInfoSchema = z.object({
  id: z.string(),
  owned_by: z.string(),
  context_window: z.number().int().positive().nullable(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

/** The result of each request type. */
export const hostResultSchemas = {
  'threads.list': z.object({ threads: z.array(threadInfoSchema) }),
  'thread.start': z.object({ thread: threadInfoSchema, snapshot: threadSnapshotSchema, events: z.array(agentEventSchema) }),
  'thread.attach': z.object({ thread: threadInfoSchema, snapshot: threadSnapshotSchema, events: z.array(agentEventSchema) }),
  'thread.fork': z.object({ thread: threadInfoSchema, snapshot: threadSnapshotSchema, events: z.array(agentEventSchema) }),
  'thread.detach': z.object({}),
  'thread.op': z.object({}),
  'models.list': z.object({ models: z.array(modelInfoSchema) }),
} as const satisfies Record<HostRequestType, z.ZodType>;
export type HostResult<T extends HostRequestType> = z.infer<(typeof hostResultSchemas)[T]>;
/** What `thread.attach`, `thread.start` and `thread.fork` answer. */
export type AttachResult = HostResult<'thread.attach'>;

/**
 * Error codes of the host: `invalid_frame` (not JSON or not a request), `unknown_thread`,
 * `not_attached` (an op on a thread this client did not attach to), `busy` (a user message while
 * a turn runs: steer or queue instead), `unknown_approval` (already answered, by this or another
 * client), `invalid_op`, `model_not_found`, `too_many_threads`, and `internal_error`.
 */
export const hostErrorSchema = z.object({ code: z.string(), message: z.string() });
export type HostError = z.infer<typeof hostErrorSchema>;

/** What the host sends. */
export const hostMessageSchema = z.discriminatedUnion('type', [
  /** First frame on every connection. */
  z.object({
    type: z.literal('hello'),
    protocol: z.number().int(),
    workspace: z.string(),
    /** The model new threads use unless told. */
    model: z.string(),
    version: z.string(),
  }),
  z.object({ type: z.literal('result'), id: requestId, result: z.record(z.string(), z.unknown()) }),
  /** `id` is null for a frame that could not be read far enough to find its id. */
  z.object({ type: z.literal('error'), id: requestId.nullable(), error: hostErrorSchema }),
  /** An agent event of an attached thread. */
  z.object({ type: z.literal('event'), event: agentEventSchema }),
  /** Several events at once (those the host forwarded within one tick), in order: the same as that many `event` frames. */
  z.object({ type: z.literal('events'), events: z.array(agentEventSchema).min(1) }),
  /** A thread was created, changed state or got its title; sent to every client, attached or not. */
  z.object({ type: z.literal('thread.changed'), thread: threadInfoSchema }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

/** Why a frame from the other side was refused at the boundary. */
export class HostFrameError extends Error {
  constructor(readonly code: 'invalid_frame', message: string, readonly requestId: string | null = null) {
    super(message);
    this.name = 'HostFrameError';
  }
}

/** Parses a client's frame (text) into a request; throws `HostFrameError` saying what is wrong, with the id when it could be read. */
export function parseHostRequest(text: string): HostRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HostFrameError('invalid_frame', 'A host frame must be one JSON object.');
  }
  const result = hostRequestSchema.safeParse(value);
  if (result.success) return result.data;
  const id = typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string' && value.id.length <= MAX_REQUEST_ID_CHARS ? value.id : null;
  const type = typeof value === 'object' && value !== null && 'type' in value ? String(value.type).slice(0, 40) : '(none)';
  const detail = result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || 'frame'}: ${issue.message}`).join('; ');
  throw new HostFrameError('invalid_frame', `Invalid host request (type ${type}): ${detail}`, id);
}

/** Parses a host frame (text) on the client side; throws `HostFrameError` for anything else. */
export function parseHostMessage(text: string): HostMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HostFrameError('invalid_frame', 'The host sent a frame that is not JSON.');
  }
  const fast = readEventFrame(value);
  if (fast !== undefined) return fast;
  const result = hostMessageSchema.safeParse(value);
  if (!result.success) throw new HostFrameError('invalid_frame', `The host sent an unexpected frame: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

/**
 * The hot path of `parseHostMessage`: an `event` frame holding a token delta, or an `events`
 * frame (its deltas checked by hand, any other event by its schema). A stream is thousands of
 * these per answer, and the generic schema costs far more than the checks; the result is the
 * same (fields the schema does not know are dropped, a bad field throws). Undefined: not such
 * a frame, let the schema decide.
 */
function readEventFrame(value: unknown): HostMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const frame = value as { type?: unknown; event?: unknown; events?: unknown };
  if (frame.type === 'event') {
    const event = readDelta(frame.event);
    return event === undefined ? undefined : { type: 'event', event };
  }
  if (frame.type !== 'events' || !Array.isArray(frame.events) || frame.events.length === 0) return undefined;
  const events: AgentEvent[] = [];
  for (const item of frame.events as unknown[]) {
    const event = readDelta(item);
    if (event !== undefined) { events.push(event); continue; }
    const parsed = agentEventSchema.safeParse(item);
    if (!parsed.success) throw new HostFrameError('invalid_frame', `The host sent an unexpected event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    events.push(parsed.data);
  }
  return { type: 'events', events };
}

/** A `text.delta`, `tool_input.delta` or `background.delta` event, checked field by field as `agentEventSchema` would; undefined for anything else. */
function readDelta(value: unknown): AgentEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Record<string, unknown>;
  const { type, thread_id: threadId, turn_id: turnId, seq, response_id: responseId, delta } = event;
  if (typeof threadId !== 'string' || (turnId !== null && typeof turnId !== 'string') || typeof delta !== 'string') return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  const agentId = event['agent_id'];
  if (type === 'background.delta' && typeof agentId === 'string') return { type, thread_id: threadId, turn_id: turnId, seq, agent_id: agentId, delta };
  if (typeof responseId !== 'string') return undefined;
  if (type === 'text.delta') return { type, thread_id: threadId, turn_id: turnId, seq, response_id: responseId, delta };
  const callId = event['call_id'];
  if (type === 'tool_input.delta' && typeof callId === 'string') return { type, thread_id: threadId, turn_id: turnId, seq, response_id: responseId, call_id: callId, delta };
  return undefined;
}

/** Reads a `result` frame's payload as the result of request `type`. */
export function parseHostResult<T extends HostRequestType>(type: T, result: unknown): HostResult<T> {
  return hostResultSchemas[type].parse(result) as HostResult<T>;
}
