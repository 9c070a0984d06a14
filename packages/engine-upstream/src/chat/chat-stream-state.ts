import { EngineError, type EngineEvent, type FinishReason, type Timings, type Usage } from '@spark/engine';
import { CustomInputStream } from './custom-input-stream.js';
import { chatUpstreamError } from './chat-upstream-error.js';
import type { UpstreamChunk, UpstreamToolCallDelta } from './chat-upstream-chunk.js';
import { ThinkTagSplitter } from './think-tag-splitter.js';

export interface ChatStreamStateOptions {
  /** The provider id and its key, for errors the upstream sends mid-stream (the key is redacted from them). */
  provider: string;
  apiKey: string | undefined;
  /** Names of the custom (freeform) tools, whose `{"input"}` arguments are unwrapped. */
  customTools: ReadonlySet<string>;
  /** Split `<think>...</think>` out of content as reasoning. */
  thinkTags: boolean;
  /** Makes a call id for a server that sends none (some Ollama and llama-server builds). */
  newCallId: () => string;
}

interface OpenCall {
  index: number;
  callId: string;
  name: string;
  args: string;
  custom: CustomInputStream | undefined;
}

/**
 * Folds parsed `chat.completion.chunk`s into engine events: reasoning (`reasoning_content`,
 * `reasoning`, `<think>` segments), text, and tool calls as start/delta/end triplets, whether a
 * server streams a call's arguments in pieces (vLLM, SGLang, llama-server, Cerebras) or sends
 * the call whole in one chunk (Ollama). Calls are keyed by `index`; a call ends when the next
 * one starts, when text follows, or at the end. Only choice 0 is read (Spark asks for one).
 * The state is a plain class over plain JSON, so it is tested without sockets.
 */
export class ChatStreamState {
  private readonly think: ThinkTagSplitter | undefined;
  private call: OpenCall | undefined;
  private readonly ended = new Set<number>();
  private callCount = 0;
  private upstreamReason: string | undefined;
  private usage: Usage | undefined;
  private timings: Timings | undefined;

  constructor(private readonly options: ChatStreamStateOptions) {
    this.think = options.thinkTags ? new ThinkTagSplitter() : undefined;
  }

  /** Whether the upstream said why it stopped (a stream cut after this lost only its usage). */
  get finished(): boolean {
    return this.upstreamReason !== undefined;
  }

  accept(chunk: UpstreamChunk): EngineEvent[] {
    if (chunk.error !== undefined && chunk.error !== null) {
      throw chatUpstreamError(this.options.provider, undefined, undefined, chunk, 'The upstream failed while streaming.', this.options.apiKey);
    }
    const events: EngineEvent[] = [];
    const choice = chunk.choices?.find((entry) => (entry.index ?? 0) === 0);
    const delta = choice?.delta;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) this.reasoning(reasoning, events);
      if (delta.content) this.content(delta.content, events);
      for (const call of delta.tool_calls ?? []) this.toolCall(call, events);
    }
    if (choice?.finish_reason) this.upstreamReason = choice.finish_reason;
    if (chunk.usage) {
      const details = chunk.usage.prompt_tokens_details;
      const reasoningTokens = chunk.usage.completion_tokens_details?.reasoning_tokens;
      this.usage = {
        inputTokens: chunk.usage.prompt_tokens ?? 0,
        cachedInputTokens: details?.cached_tokens ?? chunk.timings?.cache_n ?? 0,
        outputTokens: chunk.usage.completion_tokens ?? 0,
        ...(reasoningTokens ? { reasoningTokens } : {}),
      };
    }
    this.readTimings(chunk);
    return events;
  }

  /** The closing events: held-back text, the open call's end, and the finish. */
  finish(): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (const piece of this.think?.end() ?? []) this.emitPiece(piece.kind, piece.text, events);
    this.endCall(events);
    events.push({
      type: 'finish',
      reason: this.finishReason(),
      usage: this.usage ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
      ...(this.timings ? { timings: this.timings } : {}),
      ...(this.upstreamReason === undefined ? {} : { metadata: { upstream: { finishReason: this.upstreamReason } } }),
    });
    return events;
  }

  /** Events that close what is open when the generation is aborted (the finish is the caller's). */
  abort(): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (const piece of this.think?.end() ?? []) this.emitPiece(piece.kind, piece.text, events);
    this.endCall(events);
    return events;
  }

  /** The usage seen so far (an aborted generation still reports it). */
  get usageSoFar(): Usage {
    return this.usage ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  }

  private finishReason(): FinishReason {
    if (this.upstreamReason === 'length') return 'length';
    // Some servers say `stop` after a tool call (older llama-server, Ollama): the calls decide.
    if (this.callCount > 0) return 'tool_calls';
    return 'stop';
  }

  private reasoning(text: string, events: EngineEvent[]): void {
    this.endCall(events);
    events.push({ type: 'reasoning-delta', delta: text });
  }

  private content(text: string, events: EngineEvent[]): void {
    if (!this.think) {
      this.emitPiece('text', text, events);
      return;
    }
    for (const piece of this.think.push(text)) this.emitPiece(piece.kind, piece.text, events);
  }

  private emitPiece(kind: 'text' | 'reasoning', text: string, events: EngineEvent[]): void {
    // Whitespace between a call and more text (`\n\n` after a tool call) is not worth ending the call for.
    if (this.call && text.trim() === '') return;
    this.endCall(events);
    events.push(kind === 'text' ? { type: 'text-delta', delta: text } : { type: 'reasoning-delta', delta: text });
  }

  private toolCall(delta: UpstreamToolCallDelta, events: EngineEvent[]): void {
    const sameCall = this.call !== undefined && (!delta.id || delta.id === this.call.callId);
    const index = delta.index ?? (sameCall && this.call ? this.call.index : this.callCount);
    const args = typeof delta.function?.arguments === 'object' && delta.function.arguments !== null
      ? JSON.stringify(delta.function.arguments)
      : delta.function?.arguments ?? '';
    if (this.call?.index !== index) {
      if (this.ended.has(index)) {
        throw new EngineError('upstream_error', `Upstream sent more of tool call ${index} after a later one began`);
      }
      this.endCall(events);
      const name = delta.function?.name ?? '';
      const custom = this.options.customTools.has(name);
      this.call = { index, callId: delta.id || this.options.newCallId(), name, args: '', custom: custom ? new CustomInputStream() : undefined };
      this.callCount += 1;
      events.push({ type: 'tool-call-start', callId: this.call.callId, name, kind: custom ? 'custom' : 'function' });
    }
    const call = this.call;
    if (args === '') return;
    call.args += args;
    const out = call.custom ? call.custom.push(args) : args;
    if (out !== '') events.push({ type: 'tool-call-delta', callId: call.callId, delta: out });
  }

  private endCall(events: EngineEvent[]): void {
    const call = this.call;
    if (!call) return;
    this.call = undefined;
    this.ended.add(call.index);
    if (call.custom) {
      const { input, rest } = call.custom.end();
      if (rest !== '') events.push({ type: 'tool-call-delta', callId: call.callId, delta: rest });
      events.push({ type: 'tool-call-end', callId: call.callId, arguments: input });
      return;
    }
    events.push({ type: 'tool-call-end', callId: call.callId, arguments: call.args === '' ? '{}' : call.args });
  }

  private readTimings(chunk: UpstreamChunk): void {
    const llama = chunk.timings;
    if (llama && llama.prompt_ms !== undefined && llama.predicted_ms !== undefined) {
      const decodeTokens = llama.predicted_n ?? 0;
      this.timings = {
        prefillMs: llama.prompt_ms,
        prefillTokens: llama.prompt_n ?? 0,
        decodeMs: llama.predicted_ms,
        decodeTokens,
        decodeTokensPerSecond: llama.predicted_ms > 0 ? (decodeTokens / llama.predicted_ms) * 1000 : 0,
      };
      return;
    }
    const cerebras = chunk.time_info;
    if (cerebras && cerebras.prompt_time !== undefined && cerebras.completion_time !== undefined && chunk.usage) {
      const decodeTokens = chunk.usage.completion_tokens ?? 0;
      const decodeMs = cerebras.completion_time * 1000;
      this.timings = {
        prefillMs: cerebras.prompt_time * 1000,
        prefillTokens: chunk.usage.prompt_tokens ?? 0,
        decodeMs,
        decodeTokens,
        decodeTokensPerSecond: decodeMs > 0 ? (decodeTokens / decodeMs) * 1000 : 0,
      };
    }
  }
}
