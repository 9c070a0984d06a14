import type { EngineEvent, Usage as EngineUsage } from '@spark/engine';
import type { ChatFinishReason, ChatUsage } from '@spark/protocol';
import type { StopCutter } from './stop-cutter.js';

/** Where one choice's output goes: chunks on the wire (stream) or a message being built (JSON). */
export interface ChatSink {
  content(text: string): void;
  reasoning(text: string): void;
  /** A tool call begins; `index` counts the calls of the choice from 0, as `tool_calls[].index` does. */
  toolCallStart(index: number, id: string, name: string): void;
  toolCallArguments(index: number, delta: string): void;
  /** A tool call's complete arguments, as the engine closed it. */
  toolCallEnd(index: number, args: string): void;
}

/**
 * Folds one generation's engine events into a Chat Completions choice, through a sink: text
 * (cut at a `stop` sequence, after which the generation is aborted and the rest ignored),
 * reasoning, tool calls numbered by `index`, and the finish reason (`length`, `tool_calls`,
 * `stop`). Synchronous; the route reads the engine and writes what the sink produced.
 */
export class ChatOutput {
  /** Set by the `finish` event. */
  finishReason: ChatFinishReason | undefined;
  usage: EngineUsage | undefined;
  /** The engine stopped for a reason of its own abort (shutdown, client gone), not a stop sequence. */
  interrupted = false;
  private readonly calls = new Map<string, { index: number; sent: string }>();

  constructor(private readonly sink: ChatSink, private readonly stop: StopCutter, private readonly onStop: () => void) {}

  /** Maps one event; true once the generation finished. */
  push(event: EngineEvent): boolean {
    switch (event.type) {
      case 'text-delta': {
        if (this.stop.stopped) return false;
        const text = this.stop.idle ? event.delta : this.stop.push(event.delta);
        if (text !== '') this.sink.content(text);
        if (this.stop.stopped) this.onStop();
        return false;
      }
      case 'reasoning-delta':
        if (!this.stop.stopped) this.sink.reasoning(event.delta);
        return false;
      case 'tool-call-start': {
        if (this.stop.stopped) return false;
        this.flushText();
        const index = this.calls.size;
        this.calls.set(event.callId, { index, sent: '' });
        this.sink.toolCallStart(index, event.callId, event.name);
        return false;
      }
      case 'tool-call-delta': {
        const call = this.calls.get(event.callId);
        if (!call || this.stop.stopped) return false;
        call.sent += event.delta;
        this.sink.toolCallArguments(call.index, event.delta);
        return false;
      }
      case 'tool-call-end': {
        const call = this.calls.get(event.callId);
        if (!call || this.stop.stopped) return false;
        // An engine that sends a call whole (or closes it with more than it streamed) still streams it all.
        if (event.arguments.length > call.sent.length && event.arguments.startsWith(call.sent)) {
          this.sink.toolCallArguments(call.index, event.arguments.slice(call.sent.length));
        }
        this.sink.toolCallEnd(call.index, event.arguments);
        return false;
      }
      case 'finish':
        this.flushText();
        this.usage = event.usage;
        this.finishReason = this.toFinishReason(event.reason);
        return true;
      case 'prompt':
        return false;
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  }

  private flushText(): void {
    const held = this.stop.flush();
    if (held !== '') this.sink.content(held);
  }

  private toFinishReason(reason: 'stop' | 'length' | 'tool_calls' | 'aborted'): ChatFinishReason {
    switch (reason) {
      case 'length': return 'length';
      case 'tool_calls': return 'tool_calls';
      case 'stop': return this.calls.size > 0 ? 'tool_calls' : 'stop';
      case 'aborted':
        if (!this.stop.stopped) this.interrupted = true;
        return this.calls.size > 0 && !this.stop.stopped ? 'tool_calls' : 'stop';
      default: {
        const unreachable: never = reason;
        return unreachable;
      }
    }
  }
}

/** The engine's usage in Chat Completions' shape, cached prompt tokens and prediction counts included. */
export function toChatUsage(usage: EngineUsage): ChatUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens ?? 0,
      accepted_prediction_tokens: usage.acceptedPredictionTokens ?? 0,
      rejected_prediction_tokens: usage.rejectedPredictionTokens ?? 0,
    },
  };
}
