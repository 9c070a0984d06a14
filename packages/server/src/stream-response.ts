import type { EngineEvent, FinishReason, Usage as EngineUsage } from '@spark/engine';
import type {
  CustomToolCallOutputItem, FunctionCallOutputItem, ItemStatus, OutputItem, OutputMessageItem, OutputTextPart,
  ResponseError, ResponseObject, ResponseStreamEvent, TerminalEventType, Usage,
} from '@spark/protocol';
import { newId } from './new-id.js';
import { closeReasoning, openReasoning, reasoningDelta, type OpenReasoning } from './reasoning-events.js';
import { abortKindOf } from './response-abort.js';
import { toResponseError } from './to-api-error.js';

/** Distributive Omit, so each event keeps its own fields. */
type EventBody<E> = E extends ResponseStreamEvent ? Omit<E, 'sequence_number'> : never;

/**
 * A stream event before its transport numbers it: the SSE writer and the WebSocket connection
 * each stamp `sequence_number` exactly once, as they serialize it (`serializeStreamEvent`).
 * `type` is always its first key.
 */
export type StreamEventBody = EventBody<ResponseStreamEvent>;

/** The one event that ends a stream: `response.completed`, `response.incomplete` or `response.failed`. */
export type TerminalEventBody = Extract<StreamEventBody, { type: TerminalEventType }>;

export interface StreamResponseOptions {
  /** The in-progress response (`createResponseObject`); it is not mutated. */
  response: ResponseObject;
  /**
   * The generation's signal: once aborted, its reason (`ResponseAbort`) says how an `aborted`
   * finish is reported, and an engine that throws counts as having ended the way it asked for.
   */
  signal?: AbortSignal;
  /** Flat tool name -> declared name and namespace, for call items. */
  toolOrigin?: ReadonlyMap<string, { name: string; namespace?: string }>;
  /** Clock in Unix seconds. */
  now?: () => number;
  /** Item id factory; tests pass a deterministic one. */
  newItemId?: (prefix: 'msg' | 'fc' | 'ctc' | 'rs') => string;
}

type OpenItem =
  | OpenReasoning
  | { kind: 'message'; id: string; index: number; text: string }
  | { kind: 'function_call' | 'custom_tool_call'; id: string; index: number; callId: string; name: string; namespace?: string; text: string };

/**
 * Maps one generation's engine events to the Responses stream events of spec §2: created,
 * in_progress, then every output item as added -> parts/deltas -> done, then exactly one
 * terminal event (completed | incomplete | failed). Synchronous and pure (no I/O, no numbering):
 * the service's one per-response generator feeds it and hands its events to the transport
 * (SSE writer, WebSocket connection, the non-streaming path), which numbers them as it writes
 * them. Engine errors after the start become `response.failed`; a text segment after a tool
 * call is a new message; a run of reasoning deltas is one reasoning item (its events:
 * `reasoning-events.ts`). Only here is the response's output accumulated.
 */
export class StreamResponse {
  private readonly output: OutputItem[] = [];
  private readonly makeId: (prefix: 'msg' | 'fc' | 'ctc' | 'rs') => string;
  private readonly seen: EngineUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  private open: OpenItem | undefined;
  private finish: { reason: FinishReason; usage: EngineUsage } | undefined;
  /** Request fields the engine left out (a prediction its upstream does not take). */
  private dropped: readonly string[] = [];
  private failure: ResponseError | undefined;

  constructor(private readonly options: StreamResponseOptions) {
    this.makeId = options.newItemId ?? newId;
  }

  /** `response.created` and `response.in_progress`, into `out`. */
  start(out: StreamEventBody[]): void {
    // One snapshot for both events: its JSON is then built once (`serializeStreamEvent`).
    const snapshot = this.snapshot();
    out.push({ type: 'response.created', response: snapshot });
    out.push({ type: 'response.in_progress', response: snapshot });
  }

  /**
   * Maps one engine event into `out`. Returns true once the engine finished (its `finish`, or an
   * event it may not send, which fails the response): `end` comes next, and the engine's
   * stream need not be read further.
   */
  push(event: EngineEvent, out: StreamEventBody[]): boolean {
    try {
      return this.map(event, out);
    } catch (error) {
      this.fail(error);
      return true;
    }
  }

  /** The engine threw: the response fails, unless it was aborted and so ends the way the abort asked for. */
  fail(error: unknown): void {
    if (abortKindOf(this.options.signal) === undefined) this.failure = toResponseError(error);
    else this.finish = { reason: 'aborted', usage: this.seen };
  }

  /** Closes the open item into `out` and returns the terminal event (not put into `out`), whose response is final. */
  end(out: StreamEventBody[]): TerminalEventBody {
    const finish = this.failure ? undefined : this.finish;
    const clean = finish !== undefined && (finish.reason === 'stop' || finish.reason === 'tool_calls');
    this.closeOpen(clean ? 'completed' : 'incomplete', out);
    const final: ResponseObject = { ...this.options.response, output: this.output, metadata: noteDropped(this.options.response.metadata, this.dropped) };
    if (!finish) {
      const error = this.failure ?? { code: 'server_error', message: 'The model stopped without finishing the response.' };
      return { type: 'response.failed', response: { ...final, status: 'failed', error } };
    }
    const usage = toUsage(finish.usage);
    switch (finish.reason) {
      case 'stop':
      case 'tool_calls':
        return { type: 'response.completed', response: { ...final, status: 'completed', completed_at: (this.options.now ?? unixNow)(), usage } };
      case 'length':
        return { type: 'response.incomplete', response: { ...final, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage } };
      case 'aborted': {
        // The Responses stream has no `response.cancelled` event: a cancelled response ends
        // with `response.incomplete` whose status says `cancelled`.
        const kind = abortKindOf(this.options.signal);
        return {
          type: 'response.incomplete',
          response: kind === 'cancelled'
            ? { ...final, status: 'cancelled', usage }
            : { ...final, status: 'incomplete', incomplete_details: { reason: kind === 'steered' || kind === 'repetition' ? kind : 'interrupted' }, usage },
        };
      }
      default: {
        const unreachable: never = finish.reason;
        throw new Error(`Unknown finish reason ${String(unreachable)}`);
      }
    }
  }

  private map(event: EngineEvent, out: StreamEventBody[]): boolean {
    switch (event.type) {
      case 'prompt':
        this.seen.inputTokens = event.inputTokens;
        this.seen.cachedInputTokens = event.cachedInputTokens;
        return false;
      case 'reasoning-delta': {
        this.seen.outputTokens += 1;
        let item = this.open?.kind === 'reasoning' ? this.open : undefined;
        if (!item) {
          if (event.delta === '' && event.encryptedContent === undefined) return false;
          this.closeOpen('completed', out);
          const opened = openReasoning(this.makeId('rs'), this.output.length);
          item = opened.item;
          this.open = item;
          out.push(...opened.events);
        }
        const delta = reasoningDelta(item, event.delta, event.encryptedContent);
        if (delta) out.push(delta);
        return false;
      }
      case 'text-delta': {
        this.seen.outputTokens += 1;
        if (event.delta === '') return false;
        let open = this.open;
        if (open?.kind !== 'message') {
          this.closeOpen('completed', out);
          open = { kind: 'message', id: this.makeId('msg'), index: this.output.length, text: '' };
          this.open = open;
          out.push({ type: 'response.output_item.added', output_index: open.index, item: { type: 'message', id: open.id, status: 'in_progress', role: 'assistant', content: [] } });
          out.push({
            type: 'response.content_part.added', item_id: open.id, output_index: open.index, content_index: 0,
            part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
          });
        }
        open.text += event.delta;
        out.push({ type: 'response.output_text.delta', item_id: open.id, output_index: open.index, content_index: 0, delta: event.delta, logprobs: [] });
        return false;
      }
      case 'tool-call-start': {
        this.closeOpen('completed', out);
        const declared = this.options.toolOrigin?.get(event.name);
        const kind = event.kind === 'custom' ? 'custom_tool_call' : 'function_call';
        const item: OpenItem = {
          kind,
          id: this.makeId(kind === 'custom_tool_call' ? 'ctc' : 'fc'),
          index: this.output.length,
          callId: event.callId,
          name: declared?.name ?? event.name,
          ...(declared?.namespace === undefined ? {} : { namespace: declared.namespace }),
          text: '',
        };
        this.open = item;
        out.push({ type: 'response.output_item.added', output_index: item.index, item: { ...callItem(item, 'in_progress') } });
        return false;
      }
      case 'tool-call-delta': {
        this.seen.outputTokens += 1;
        const item = openCall(this.open, event.callId);
        if (event.delta === '') return false;
        item.text += event.delta;
        out.push(callDelta(item, event.delta));
        return false;
      }
      case 'tool-call-end': {
        const item = openCall(this.open, event.callId);
        // The end event is authoritative; top up the deltas when it only extends them.
        if (event.arguments !== item.text && event.arguments.startsWith(item.text)) {
          out.push(callDelta(item, event.arguments.slice(item.text.length)));
        }
        item.text = event.arguments;
        out.push(item.kind === 'function_call'
          ? { type: 'response.function_call_arguments.done', item_id: item.id, output_index: item.index, name: item.name, arguments: item.text }
          : { type: 'response.custom_tool_call_input.done', item_id: item.id, output_index: item.index, input: item.text });
        this.closeOpen('completed', out);
        return false;
      }
      case 'finish':
        this.finish = { reason: event.reason, usage: event.usage };
        if (event.dropped) this.dropped = event.dropped;
        return true;
      default: {
        const unreachable: never = event;
        throw new Error(`Unknown engine event ${(unreachable as { type: string }).type}`);
      }
    }
  }

  /** Finishes the open item with the given status, into `out`. */
  private closeOpen(status: ItemStatus, out: StreamEventBody[]): void {
    const item = this.open;
    if (!item) return;
    this.open = undefined;
    if (item.kind === 'reasoning') {
      const closed = closeReasoning(item, status);
      this.output.push(closed.done);
      out.push(...closed.events);
      return;
    }
    if (item.kind === 'message') {
      const part: OutputTextPart = { type: 'output_text', text: item.text, annotations: [], logprobs: [] };
      out.push({ type: 'response.output_text.done', item_id: item.id, output_index: item.index, content_index: 0, text: item.text, logprobs: [] });
      out.push({ type: 'response.content_part.done', item_id: item.id, output_index: item.index, content_index: 0, part });
      const done: OutputMessageItem = { type: 'message', id: item.id, status, role: 'assistant', content: [{ ...part }] };
      this.output.push(done);
      out.push({ type: 'response.output_item.done', output_index: item.index, item: done });
      return;
    }
    const done = callItem(item, status);
    this.output.push(done);
    out.push({ type: 'response.output_item.done', output_index: item.index, item: done });
  }

  private snapshot(): ResponseObject {
    return { ...this.options.response, status: 'in_progress', output: [] };
  }
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function callItem(item: Extract<OpenItem, { callId: string }>, status: ItemStatus): FunctionCallOutputItem | CustomToolCallOutputItem {
  const namespace = item.namespace === undefined ? {} : { namespace: item.namespace };
  return item.kind === 'function_call'
    ? { type: 'function_call', id: item.id, call_id: item.callId, name: item.name, arguments: item.text, status, ...namespace }
    : { type: 'custom_tool_call', id: item.id, call_id: item.callId, name: item.name, input: item.text, status, ...namespace };
}

function callDelta(item: Extract<OpenItem, { callId: string }>, delta: string): StreamEventBody {
  return item.kind === 'function_call'
    ? { type: 'response.function_call_arguments.delta', item_id: item.id, output_index: item.index, delta }
    : { type: 'response.custom_tool_call_input.delta', item_id: item.id, output_index: item.index, delta };
}

function openCall(open: OpenItem | undefined, callId: string): Extract<OpenItem, { callId: string }> {
  if (!open || (open.kind !== 'function_call' && open.kind !== 'custom_tool_call') || open.callId !== callId) {
    throw new Error('The engine streamed a tool-call part for a call that is not open.');
  }
  return open;
}

/** The metadata key under which a response names the request fields its engine left out. */
export const DROPPED_METADATA_KEY = 'spark_dropped';
/** The spec's cap on metadata pairs: a client that used them all gets no note. */
const MAX_METADATA_PAIRS = 16;

/**
 * The final response's metadata, with a note of the request fields the engine left out
 * (`spark_dropped: "prediction"`): the output is the same, only not sped up, and the client should
 * be able to see why. The client's own pairs are kept as they are; the note is added only where
 * it fits (fewer than 16 pairs, its key unused), so a request's metadata never becomes invalid.
 */
function noteDropped(metadata: Record<string, string>, dropped: readonly string[]): Record<string, string> {
  if (dropped.length === 0 || DROPPED_METADATA_KEY in metadata || Object.keys(metadata).length >= MAX_METADATA_PAIRS) return metadata;
  return { ...metadata, [DROPPED_METADATA_KEY]: dropped.join(',') };
}

function toUsage(usage: EngineUsage): Usage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens, cache_write_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: {
      reasoning_tokens: usage.reasoningTokens ?? 0,
      accepted_prediction_tokens: usage.acceptedPredictionTokens ?? 0,
      rejected_prediction_tokens: usage.rejectedPredictionTokens ?? 0,
    },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}
