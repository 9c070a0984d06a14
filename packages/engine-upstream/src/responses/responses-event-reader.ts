import type { ClientEvent, TerminalEvent } from '@spark/client';
import type { ConversationItem, EngineEvent, Usage } from '@spark/engine';
import { z } from 'zod';

/** The usage fields of a terminal response, as OpenAI and Spark write them (details optional). */
const usageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().optional() }).nullish(),
  output_tokens_details: z.looseObject({
    reasoning_tokens: z.number().optional(),
    accepted_prediction_tokens: z.number().optional(),
    rejected_prediction_tokens: z.number().optional(),
  }).nullish(),
});

/** An open tool call: the upstream's item id -> the call it announced. */
interface OpenCall {
  callId: string;
  name: string;
  kind: 'function' | 'custom';
  arguments: string;
}

/** Reasoning streamed so far for one upstream reasoning item. */
interface OpenReasoning {
  streamed: string;
  /** The summary part streaming now (OpenAI's `summary_index`). */
  summaryIndex?: number;
}

/**
 * Folds an upstream's Responses events into engine events (sync, one call per event), and keeps
 * what a continuation needs: the upstream's response id and the output as conversation items.
 * Events the engine contract has no place for (lifecycle, content parts, `.done` repeats) fold
 * into nothing.
 */
export class ResponsesEventReader {
  responseId: string | undefined;
  /** The output so far, as conversation items (what a resend of the history must contain). */
  readonly output: ConversationItem[] = [];
  terminal: TerminalEvent | undefined;
  private readonly calls = new Map<string, OpenCall>();
  private readonly reasoning = new Map<string, OpenReasoning>();
  private sawToolCall = false;

  /** True once the upstream produced output (a retry would then duplicate it). */
  get produced(): boolean {
    return this.output.length > 0;
  }

  get calledTools(): boolean {
    return this.sawToolCall;
  }

  push(event: ClientEvent): EngineEvent[] {
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        this.responseId ??= event.response.id;
        return [];
      case 'response.output_text.delta':
        if (event.delta === '') return [];
        this.appendText(event.delta);
        return [{ type: 'text-delta', delta: event.delta }];
      case 'response.reasoning_text.delta': {
        if (event.delta === '') return [];
        const open = this.reasoningOf(event.item_id);
        open.streamed += event.delta;
        this.appendReasoning(event.delta, undefined);
        return [{ type: 'reasoning-delta', delta: event.delta }];
      }
      case 'response.reasoning_summary_text.delta': {
        // OpenAI's reasoning models stream summaries, not raw text; parts of one item are joined by a newline, as `reasoningText` joins them.
        if (event.delta === '') return [];
        const open = this.reasoningOf(event.item_id);
        const delta = open.streamed !== '' && open.summaryIndex !== event.summary_index ? `\n${event.delta}` : event.delta;
        open.summaryIndex = event.summary_index;
        open.streamed += delta;
        this.appendReasoning(delta, undefined);
        return [{ type: 'reasoning-delta', delta }];
      }
      case 'response.output_item.added':
        return this.itemAdded(event.item);
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const call = this.calls.get(event.item_id);
        if (!call || event.delta === '') return [];
        call.arguments += event.delta;
        return [{ type: 'tool-call-delta', callId: call.callId, delta: event.delta }];
      }
      case 'response.output_item.done':
        return this.itemDone(event.item);
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.responseId ??= event.response.id;
        this.terminal = event;
        return [];
      default:
        // Content parts, `.done` repeats (the item's `done` carries the same), steering events.
        return [];
    }
  }

  /** The terminal response's usage, in the engine's terms; zeros when the upstream sent none. */
  usage(): Usage {
    const parsed = usageSchema.safeParse(this.terminal?.response.usage);
    if (!parsed.success) return { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
    const usage = parsed.data;
    const details = usage.output_tokens_details;
    return {
      inputTokens: usage.input_tokens,
      cachedInputTokens: usage.input_tokens_details?.cached_tokens ?? 0,
      outputTokens: usage.output_tokens,
      ...(details?.reasoning_tokens ? { reasoningTokens: details.reasoning_tokens } : {}),
      ...(details?.accepted_prediction_tokens ? { acceptedPredictionTokens: details.accepted_prediction_tokens } : {}),
      ...(details?.rejected_prediction_tokens ? { rejectedPredictionTokens: details.rejected_prediction_tokens } : {}),
    };
  }

  /** Ends calls the upstream never finished (a cut stream), so no triplet stays open. */
  closeOpenCalls(): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (const [itemId, call] of this.calls) {
      this.calls.delete(itemId);
      events.push(...this.endCall(call));
    }
    return events;
  }

  private itemAdded(item: LooseItem): EngineEvent[] {
    if (item.type !== 'function_call' && item.type !== 'custom_tool_call') return [];
    const call: OpenCall = {
      callId: String(item.call_id), name: String(item.name), kind: item.type === 'custom_tool_call' ? 'custom' : 'function', arguments: '',
    };
    this.calls.set(String(item.id), call);
    this.sawToolCall = true;
    return [{ type: 'tool-call-start', callId: call.callId, name: call.name, kind: call.kind }];
  }

  private itemDone(item: LooseItem): EngineEvent[] {
    if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      const id = String(item.id);
      const kind = item.type === 'custom_tool_call' ? 'custom' : 'function';
      const full = String(item.type === 'custom_tool_call' ? item['input'] : item['arguments']);
      const open = this.calls.get(id);
      this.calls.delete(id);
      // Some servers announce a call only when it is whole: start, one delta, end.
      const events: EngineEvent[] = [];
      const call = open ?? { callId: String(item.call_id), name: String(item.name), kind, arguments: '' };
      if (!open) {
        this.sawToolCall = true;
        events.push({ type: 'tool-call-start', callId: call.callId, name: call.name, kind });
      }
      const rest = full.startsWith(call.arguments) ? full.slice(call.arguments.length) : '';
      if (rest !== '') events.push({ type: 'tool-call-delta', callId: call.callId, delta: rest });
      call.arguments = full;
      events.push(...this.endCall(call));
      return events;
    }
    if (item.type === 'reasoning') {
      const open = this.reasoningOf(String(item.id));
      this.reasoning.delete(String(item.id));
      const encrypted = typeof item['encrypted_content'] === 'string' ? item['encrypted_content'] : undefined;
      // What streamed (raw text or summary deltas) is not sent again; an item that streamed nothing carries its text whole.
      const text = reasoningText(item);
      const rest = open.streamed === '' ? text : '';
      if (rest === '' && encrypted === undefined) return [];
      this.appendReasoning(rest, encrypted);
      return [{ type: 'reasoning-delta', delta: rest, ...(encrypted === undefined ? {} : { encryptedContent: encrypted }) }];
    }
    return [];
  }

  private endCall(call: OpenCall): EngineEvent[] {
    this.output.push({ type: 'tool_call', callId: call.callId, name: call.name, arguments: call.arguments, kind: call.kind });
    return [{ type: 'tool-call-end', callId: call.callId, arguments: call.arguments }];
  }

  private reasoningOf(itemId: string): OpenReasoning {
    let open = this.reasoning.get(itemId);
    if (!open) {
      open = { streamed: '' };
      this.reasoning.set(itemId, open);
    }
    return open;
  }

  private appendText(delta: string): void {
    const last = this.output.at(-1);
    if (last?.type === 'assistant') this.output[this.output.length - 1] = { type: 'assistant', text: last.text + delta };
    else this.output.push({ type: 'assistant', text: delta });
  }

  private appendReasoning(delta: string, encryptedContent: string | undefined): void {
    const last = this.output.at(-1);
    const previous = last?.type === 'reasoning' ? last : undefined;
    const encrypted = encryptedContent ?? previous?.encryptedContent;
    const item: ConversationItem = { type: 'reasoning', text: (previous?.text ?? '') + delta, ...(encrypted === undefined ? {} : { encryptedContent: encrypted }) };
    if (previous) this.output[this.output.length - 1] = item;
    else this.output.push(item);
  }
}

/** An output item read loosely: other servers' items carry fields the protocol's schema does not name. */
type LooseItem = Readonly<Record<string, unknown>> & { readonly type: string };

/** A reasoning item's raw text parts, else its summary parts. */
function reasoningText(item: Record<string, unknown>): string {
  const pick = (parts: unknown): string[] => (Array.isArray(parts)
    ? parts.flatMap((part: unknown) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? [(part as { text: string }).text] : []))
    : []);
  const content = pick(item['content']);
  return (content.length > 0 ? content : pick(item['summary'])).join('\n');
}
