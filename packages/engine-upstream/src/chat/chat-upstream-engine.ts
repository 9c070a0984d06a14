import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EngineError, type Engine, type EngineEvent, type EngineStats, type GenerateRequest, type ModelInfo } from '@spark/engine';
import { chatRequestBody, type ChatMaxTokensField } from './chat-request-body.js';
import { SseDataReader } from './chat-sse-data.js';
import { ReadableChunks } from './readable-chunks.js';
import { ChatStreamState } from './chat-stream-state.js';
import { readUpstreamChunk, type UpstreamChunk } from './chat-upstream-chunk.js';
import { DEFAULT_UPSTREAM_CONTEXT_WINDOW, resolveUpstreamLimits, type UpstreamLimits } from '../upstream-limits.js';
import { openChatStream } from './open-chat-stream.js';
import type { ChatReasoningInput } from './render-chat-messages.js';

/** A model an upstream offers, by its own id, and its context window when known. */
export interface ChatUpstreamModel {
  id: string;
  contextWindow?: number;
}

export interface ChatUpstreamEngineOptions {
  /** The provider id (`cerebras`, `vllm`): models are listed as `<name>/<model>`. */
  name: string;
  /** The API root, e.g. `https://api.cerebras.ai/v1`; requests go to `<baseUrl>/chat/completions`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; never logged, never in an error message. */
  apiKey?: string;
  models: readonly (string | ChatUpstreamModel)[];
  limits?: Partial<UpstreamLimits>;
  /** Default `max_tokens` (every server takes it; OpenAI's reasoning models want `max_completion_tokens`). */
  maxTokensField?: ChatMaxTokensField;
  /** Default `drop`: most servers' templates strip earlier reasoning anyway, and DeepSeek refuses it. */
  reasoningInput?: ChatReasoningInput;
  /** Split `<think>...</think>` out of content as reasoning. Default true. */
  thinkTags?: boolean;
  /**
   * Pass a request's `prediction` (Predicted Outputs) on. Default false: of the Chat Completions
   * servers only OpenAI's and Spark's own take it (vLLM, SGLang, Cerebras, Ollama and
   * llama-server document no such field), so it is left out and the finish says so
   * (`dropped: ['prediction']`). The output is the same either way.
   */
  sendPrediction?: boolean;
}

/**
 * An engine over an OpenAI-compatible Chat Completions server (vLLM, SGLang, Cerebras, Ollama,
 * llama-server, LM Studio, OpenRouter). Spark keeps the conversation: every turn sends the
 * whole history, rendered the same way each time so the upstream's prefix cache hits, and the
 * engine never returns a `GenerationState` (the server then resends history on its own).
 * Upstream refusals become `EngineError`s before the first event (so the client gets an HTTP
 * error); an abort closes the upstream connection at once and the generation finishes
 * `aborted` with what it had; a stream cut before the upstream said why it stopped fails the
 * generation (an `EngineError` thrown mid-stream): a truncated answer is not a finished one,
 * and a half tool call must never run.
 */
export class ChatUpstreamEngine implements Engine {
  readonly name: string;
  private readonly url: URL;
  private readonly apiKey: string | undefined;
  private readonly models: ReadonlyMap<string, ModelInfo & { upstreamId: string }>;
  private readonly limits: UpstreamLimits;
  private readonly maxTokensField: ChatMaxTokensField;
  private readonly reasoningInput: ChatReasoningInput;
  private readonly thinkTags: boolean;
  private readonly sendPrediction: boolean;
  private readonly agent: http.Agent;
  private readonly running = new Set<AbortController>();

  constructor(options: ChatUpstreamEngineOptions) {
    this.name = options.name;
    this.url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/chat/completions`);
    this.apiKey = options.apiKey;
    this.limits = resolveUpstreamLimits(options.limits);
    this.maxTokensField = options.maxTokensField ?? 'max_tokens';
    this.reasoningInput = options.reasoningInput ?? 'drop';
    this.thinkTags = options.thinkTags ?? true;
    this.sendPrediction = options.sendPrediction ?? false;
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const createdAt = Math.floor(Date.now() / 1000);
    this.models = new Map(options.models.map((entry) => {
      const model = typeof entry === 'string' ? { id: entry } : entry;
      const id = `${options.name}/${model.id}`;
      return [id, { id, upstreamId: model.id, contextSize: model.contextWindow ?? DEFAULT_UPSTREAM_CONTEXT_WINDOW, ownedBy: options.name, createdAt }];
    }));
  }

  listModels(): readonly ModelInfo[] {
    return [...this.models.values()].map(({ upstreamId: _upstreamId, ...info }) => info);
  }

  stats(): EngineStats {
    return { activeSequences: this.running.size };
  }

  async dispose(): Promise<void> {
    for (const controller of this.running) controller.abort(new EngineError('internal', 'The engine was disposed'));
    this.agent.destroy();
    await Promise.resolve();
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    const model = this.models.get(request.model) ?? this.models.get(`${this.name}/${request.model}`);
    if (!model) throw new EngineError('model_not_found', `The model '${request.model}' does not exist`, { param: 'model' });
    if (request.continueFrom) throw new EngineError('internal', 'A Chat Completions upstream keeps no state to continue from');
    return this.run(request, model.upstreamId);
  }

  private async *run(request: GenerateRequest, upstreamModel: string): AsyncGenerator<EngineEvent> {
    // Our own controller, linked to the caller's: leaving the loop early (return) aborts it too.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(request.signal.reason);
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener('abort', onAbort, { once: true });
    this.running.add(controller);
    const signal = controller.signal;
    const body = JSON.stringify(chatRequestBody(request, upstreamModel, {
      maxTokensField: this.maxTokensField, reasoningInput: this.reasoningInput, sendPrediction: this.sendPrediction,
    }));
    const dropped = request.prediction !== undefined && !this.sendPrediction && !request.prefillOnly ? { dropped: ['prediction'] as const } : {};
    const state = new ChatStreamState({
      provider: this.name,
      apiKey: this.apiKey,
      customTools: new Set(request.tools.filter((tool) => tool.kind === 'custom').map((tool) => tool.name)),
      thinkTags: this.thinkTags,
      newCallId: () => `call_${randomBytes(18).toString('base64url')}`,
    });
    let res: IncomingMessage | undefined;
    /** The upstream finished its answer: the socket may be kept. */
    let clean = false;
    const aborted = (): EngineEvent => ({ type: 'finish', reason: 'aborted', usage: state.usageSoFar, ...dropped });
    try {
      try {
        res = await openChatStream({ url: this.url, headers: this.headers(), body, apiKey: this.apiKey, provider: this.name, agent: this.agent }, this.limits, signal);
      } catch (error) {
        if (signal.aborted && request.signal.aborted) {
          yield aborted();
          return;
        }
        throw error;
      }
      const stream = res;
      const cut = (): void => { stream.destroy(); };
      signal.addEventListener('abort', cut, { once: true });
      stream.setTimeout(this.limits.idleTimeoutMs, () => stream.destroy(new EngineError('upstream_error', `Upstream stream idle for ${this.limits.idleTimeoutMs} ms`)));
      yield { type: 'prompt', inputTokens: 0, cachedInputTokens: 0 };
      let done = false;
      let chunks: ReadableChunks | undefined;
      try {
        // Each read is split and folded in one synchronous step, and its events yielded from plain
        // loops: this is the per-token path, where each generator or `yield*` layer costs a promise.
        const reader = new SseDataReader(this.limits.maxLineBytes);
        chunks = new ReadableChunks(stream);
        const payloads: string[] = [];
        // Leaving the loop at [DONE] must not destroy the response: its socket goes back to the agent.
        reads: for (let taken = await chunks.take(); taken.length > 0; taken = await chunks.take()) {
          payloads.length = 0;
          for (const bytes of taken) reader.push(bytes, payloads);
          for (let index = 0; index < payloads.length; index += 1) {
            const data = payloads[index] as string;
            if (data.trim() === '[DONE]') {
              done = true;
              break reads;
            }
            const events = state.accept(parseChunk(data));
            if (request.prefillOnly) continue;
            for (let at = 0; at < events.length; at += 1) yield events[at] as EngineEvent;
          }
        }
      } catch (error) {
        if (!signal.aborted) throw EngineError.is(error) ? error : new EngineError('upstream_error', 'The upstream stream broke off', { cause: error });
      } finally {
        signal.removeEventListener('abort', cut);
        chunks?.detach();
      }
      if (signal.aborted) {
        if (!request.prefillOnly) yield* state.abort();
        yield aborted();
        return;
      }
      if (!done && !state.finished) {
        throw new EngineError('upstream_error', 'The upstream stream ended before the upstream finished the answer (cut mid-way)');
      }
      clean = true;
      const closing = state.finish().map((event) => (event.type === 'finish' ? { ...event, ...dropped } : event));
      yield* request.prefillOnly ? closing.filter((event) => event.type === 'finish').map((event) => ({ ...event, reason: 'stop' as const })) : closing;
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      this.running.delete(controller);
      controller.abort();
      if (res !== undefined && !res.readableEnded) {
        if (clean) await keepSocket(res);
        else res.destroy();
      }
    }
  }

  private headers(): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
    };
  }
}

function parseChunk(data: string): UpstreamChunk {
  let json: unknown;
  try {
    json = JSON.parse(data) as unknown;
  } catch (error) {
    throw new EngineError('upstream_error', 'The upstream sent a stream event that is not JSON', { cause: error });
  }
  const parsed = readUpstreamChunk(json);
  if (!parsed.success) throw new EngineError('upstream_error', 'The upstream sent a stream event of an unknown shape', { cause: parsed.error });
  return parsed.data;
}

/**
 * How long a finished stream's terminator may take to arrive before its socket is cut instead of
 * kept (it normally comes with `[DONE]`, in the same read).
 */
export const KEEP_ALIVE_DRAIN_MS = 250;

/**
 * After a clean end (the upstream finished, nothing aborted) the rest of the body is only the
 * chunked terminator: read it, so the keep-alive socket is back in the agent before the next
 * turn asks for one (no connect, no TLS handshake per turn), instead of destroying it.
 */
async function keepSocket(res: IncomingMessage): Promise<void> {
  res.setTimeout(0);
  const ended = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), KEEP_ALIVE_DRAIN_MS);
    res.once('end', () => { clearTimeout(timer); resolve(true); });
    res.once('error', () => { clearTimeout(timer); resolve(false); });
  });
  res.resume();
  if (!(await ended)) res.destroy();
}
