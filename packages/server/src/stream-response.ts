import type { EngineEvent, FinishReason, Usage as EngineUsage } from '@spark/engine';
import type {
  CustomToolCallOutputItem, FunctionCallOutputItem, ItemStatus, OutputItem, OutputMessageItem, OutputTextPart,
  ResponseError, ResponseObject, ResponseStreamEvent, Usage,
} from '@spark/protocol';
import { newId } from './new-id.js';
import { closeReasoning, openReasoning, reasoningDelta, type OpenReasoning } from './reasoning-events.js';
import { toResponseError } from './to-api-error.js';

/**
 * Why an aborted generation stopped: a cancel (endpoint or WebSocket `response.cancel`), the
 * client going away, a WebSocket `response.steer` that continues in a successor response, or
 * the loop guard (`loop_guard`) finding the output repeating itself.
 */
export type AbortKind = 'cancelled' | 'interrupted' | 'steered' | 'repetition';

/** Distributive Omit, so each event keeps its own fields. */
type EventBody<E> = E extends ResponseStreamEvent ? Omit<E, 'sequence_number'> : never;
type StreamEventBody = EventBody<ResponseStreamEvent>;

export interface StreamResponseOptions {
  /** The in-progress response (`createResponseObject`); it is not mutated. */
  response: ResponseObject;
  /** The engine's events for this generation, `prompt` first. */
  events: AsyncIterable<EngineEvent>;
  /** How an `aborted` finish is reported; undefined when nothing aborted it. */
  abortKind?: () => AbortKind | undefined;
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
 * terminal event (completed | incomplete | failed). Pure: no I/O, so the SSE writer, the
 * non-streaming path and the WebSocket transport all consume the same sequence. Engine errors
 * after the start become `response.failed`; a text segment after a tool call is a new message;
 * a run of reasoning deltas is one reasoning item (its events: `reasoning-events.ts`).
 */
export async function* streamResponse(options: StreamResponseOptions): AsyncGenerator<ResponseStreamEvent, void, undefined> {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const makeId = options.newItemId ?? newId;
  const output: OutputItem[] = [];
  let sequence = 0;
  let open: OpenItem | undefined;
  // `type` and `sequence_number` lead every frame, as in the spec's examples.
  const stamp = (event: StreamEventBody): ResponseStreamEvent => {
    const { type, ...fields } = event;
    return { type, sequence_number: sequence++, ...fields } as ResponseStreamEvent;
  };
  const snapshot = (): ResponseObject => ({ ...options.response, status: 'in_progress', output: [] });

  yield stamp({ type: 'response.created', response: snapshot() });
  yield stamp({ type: 'response.in_progress', response: snapshot() });

  /** Events that finish the open item with the given status. */
  function* closeOpen(status: ItemStatus): Generator<ResponseStreamEvent> {
    const item = open;
    if (!item) return;
    open = undefined;
    if (item.kind === 'reasoning') {
      const closed = closeReasoning(item, status);
      output.push(closed.done);
      for (const event of closed.events) yield stamp(event);
      return;
    }
    if (item.kind === 'message') {
      const part: OutputTextPart = { type: 'output_text', text: item.text, annotations: [], logprobs: [] };
      const base = { item_id: item.id, output_index: item.index, content_index: 0 };
      yield stamp({ type: 'response.output_text.done', ...base, text: item.text, logprobs: [] });
      yield stamp({ type: 'response.content_part.done', ...base, part });
      const done: OutputMessageItem = { type: 'message', id: item.id, status, role: 'assistant', content: [{ ...part }] };
      output.push(done);
      yield stamp({ type: 'response.output_item.done', output_index: item.index, item: done });
      return;
    }
    const done = callItem(item, status);
    output.push(done);
    yield stamp({ type: 'response.output_item.done', output_index: item.index, item: done });
  }

  let finish: { reason: FinishReason; usage: EngineUsage } | undefined;
  let failure: ResponseError | undefined;
  const seen: EngineUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  try {
    for await (const event of options.events) {
      if (event.type === 'text-delta' || event.type === 'tool-call-delta' || event.type === 'reasoning-delta') seen.outputTokens += 1;
      switch (event.type) {
        case 'prompt':
          seen.inputTokens = event.inputTokens;
          seen.cachedInputTokens = event.cachedInputTokens;
          break;
        case 'reasoning-delta': {
          let item = open?.kind === 'reasoning' ? open : undefined;
          if (!item) {
            if (event.delta === '' && event.encryptedContent === undefined) break;
            yield* closeOpen('completed');
            const opened = openReasoning(makeId('rs'), output.length);
            item = opened.item;
            open = item;
            for (const added of opened.events) yield stamp(added);
          }
          const delta = reasoningDelta(item, event.delta, event.encryptedContent);
          if (delta) yield stamp(delta);
          break;
        }
        case 'text-delta': {
          if (event.delta === '') break;
          if (open?.kind !== 'message') {
            yield* closeOpen('completed');
            const item: OpenItem = { kind: 'message', id: makeId('msg'), index: output.length, text: '' };
            open = item;
            yield stamp({ type: 'response.output_item.added', output_index: item.index, item: { type: 'message', id: item.id, status: 'in_progress', role: 'assistant', content: [] } });
            yield stamp({
              type: 'response.content_part.added', item_id: item.id, output_index: item.index, content_index: 0,
              part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
            });
          }
          open.text += event.delta;
          yield stamp({ type: 'response.output_text.delta', item_id: open.id, output_index: open.index, content_index: 0, delta: event.delta, logprobs: [] });
          break;
        }
        case 'tool-call-start': {
          yield* closeOpen('completed');
          const declared = options.toolOrigin?.get(event.name);
          const kind = event.kind === 'custom' ? 'custom_tool_call' : 'function_call';
          const item: OpenItem = {
            kind,
            id: makeId(kind === 'custom_tool_call' ? 'ctc' : 'fc'),
            index: output.length,
            callId: event.callId,
            name: declared?.name ?? event.name,
            ...(declared?.namespace === undefined ? {} : { namespace: declared.namespace }),
            text: '',
          };
          open = item;
          yield stamp({ type: 'response.output_item.added', output_index: item.index, item: { ...callItem(item, 'in_progress') } });
          break;
        }
        case 'tool-call-delta': {
          const item = openCall(open, event.callId);
          if (event.delta === '') break;
          item.text += event.delta;
          yield stamp(callDelta(item, event.delta));
          break;
        }
        case 'tool-call-end': {
          const item = openCall(open, event.callId);
          // The end event is authoritative; top up the deltas when it only extends them.
          if (event.arguments !== item.text && event.arguments.startsWith(item.text)) {
            yield stamp(callDelta(item, event.arguments.slice(item.text.length)));
          }
          item.text = event.arguments;
          yield stamp(item.kind === 'function_call'
            ? { type: 'response.function_call_arguments.done', item_id: item.id, output_index: item.index, name: item.name, arguments: item.text }
            : { type: 'response.custom_tool_call_input.done', item_id: item.id, output_index: item.index, input: item.text });
          yield* closeOpen('completed');
          break;
        }
        case 'finish':
          finish = { reason: event.reason, usage: event.usage };
          break;
        default: {
          const unreachable: never = event;
          throw new Error(`Unknown engine event ${(unreachable as { type: string }).type}`);
        }
      }
      if (finish) break;
    }
    if (!finish) failure = { code: 'server_error', message: 'The model stopped without finishing the response.' };
  } catch (error) {
    // An engine that throws once aborted still ended the way the abort asked for.
    if (options.abortKind?.() === undefined) failure = toResponseError(error);
    else finish = { reason: 'aborted', usage: seen };
  }

  const clean = finish !== undefined && (finish.reason === 'stop' || finish.reason === 'tool_calls');
  yield* closeOpen(clean ? 'completed' : 'incomplete');
  const final: ResponseObject = { ...options.response, output };
  if (failure || !finish) {
    yield stamp({ type: 'response.failed', response: { ...final, status: 'failed', error: failure ?? { code: 'server_error', message: 'Unknown failure.' } } });
    return;
  }
  const usage = toUsage(finish.usage);
  switch (finish.reason) {
    case 'stop':
    case 'tool_calls':
      yield stamp({ type: 'response.completed', response: { ...final, status: 'completed', completed_at: now(), usage } });
      return;
    case 'length':
      yield stamp({ type: 'response.incomplete', response: { ...final, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage } });
      return;
    case 'aborted': {
      // The Responses stream has no `response.cancelled` event: a cancelled response ends
      // with `response.incomplete` whose status says `cancelled`.
      const kind = options.abortKind?.();
      yield stamp({
        type: 'response.incomplete',
        response: kind === 'cancelled'
          ? { ...final, status: 'cancelled', usage }
          : { ...final, status: 'incomplete', incomplete_details: { reason: kind === 'steered' || kind === 'repetition' ? kind : 'interrupted' }, usage },
      });
      return;
    }
    default: {
      const unreachable: never = finish.reason;
      throw new Error(`Unknown finish reason ${String(unreachable)}`);
    }
  }
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
