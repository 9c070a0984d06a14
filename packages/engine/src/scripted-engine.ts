import { EngineError, type EngineErrorCode } from './engine-error.js';
import type {
  ConversationItem, Engine, EngineEvent, EngineMetadata, EngineStats, FinishReason, GenerateRequest, GenerationState, ModelInfo,
} from './engine-types.js';

/** One step a scripted generation plays back. */
export type ScriptStep =
  | { type: 'text'; text: string }
  /** Reasoning deltas, one per whitespace chunk; `encryptedContent` rides on the last one. */
  | { type: 'reasoning'; text: string; encryptedContent?: string }
  | {
    type: 'tool_call'; name: string; arguments: string; kind?: 'function' | 'custom';
    /** The deltas the arguments stream in (they must join to `arguments`); default: two halves. */
    chunks?: readonly string[];
    /** A pause before each chunk, so a client can act while the call streams (an abort ends the call unfinished). */
    chunkDelayMs?: number;
  }
  | { type: 'delay'; ms: number }
  /**
   * Fails with EngineError: as the first step, before any event (as a validation failure or an
   * upstream's refusal would, so the server answers with an HTTP or WebSocket error), later
   * mid-stream.
   */
  | { type: 'error'; code: EngineErrorCode; message: string; retryAfterMs?: number }
  /** Engine metadata for the `finish` event, merged per engine name with earlier metadata steps. */
  | { type: 'metadata'; metadata: EngineMetadata };

export interface ScriptedEngineOptions {
  models?: readonly string[];
  contextSize?: number;
  /**
   * Decides what each request produces. Default: echo the last user text. A continuation
   * (`continueFrom`) is scripted from its full conversation, so it plays back exactly what the
   * same request with the whole history would.
   */
  script?: (request: GenerateRequest) => readonly ScriptStep[];
  /** Delay before every emitted token, to make streams observable. Default 0. */
  tokenDelayMs?: number;
  /**
   * Generations at once, reported as `ModelInfo.sequences`; one more is refused with
   * EngineError 'overloaded' (stricter than a real engine, which would wait), so a test sees a
   * server that admits more than the engine runs. Default: no limit, none reported.
   */
  sequences?: number;
  /**
   * False: the engine cannot continue, like an upstream without server-side state. Its `finish`
   * carries no `state`, and a `continueFrom` (a caller bug) is refused. Default true.
   */
  continuation?: boolean;
  /** False: `finish` carries no `timings`, like an upstream that does not know them. Default true. */
  timings?: boolean;
}

/** What a scripted `GenerationState` holds in `data`: the conversation it covers, output included. */
interface ScriptedStateData {
  readonly kind: 'scripted';
  readonly conversation: readonly ConversationItem[];
  /** Whitespace "tokens" the conversation counts, as if they were in a KV cache. */
  readonly tokenCount: number;
}

/**
 * A deterministic engine for protocol tests: "tokens" are whitespace-separated chunks, and it
 * honours max tokens, abort, context size, continuation (`continueFrom`) and prefill-only
 * requests exactly like a real engine would. Its `GenerationState` is the whole conversation
 * so far, output included; a continuation counts that part as cached input. It also plays what
 * an upstream engine does: reasoning, errors with a retry hint, finish metadata, no timings
 * and no continuation (see `ScriptStep`, `ScriptedEngineOptions`).
 */
export class ScriptedEngine implements Engine {
  readonly name = 'scripted';
  private readonly models: readonly string[];
  private readonly contextSize: number;
  private readonly script: (request: GenerateRequest) => readonly ScriptStep[];
  private readonly tokenDelayMs: number;
  private readonly sequences: number | undefined;
  private readonly continuation: boolean;
  private readonly timings: boolean;
  private active = 0;
  private callCounter = 0;
  private reuseHits = 0;
  /** Every request the engine received, as received (a continuation holds only its new items), for assertions. */
  readonly requests: GenerateRequest[] = [];

  constructor(options: ScriptedEngineOptions = {}) {
    this.models = options.models ?? ['scripted'];
    this.contextSize = options.contextSize ?? 4096;
    this.script = options.script ?? echoLastUser;
    this.tokenDelayMs = options.tokenDelayMs ?? 0;
    this.sequences = options.sequences;
    this.continuation = options.continuation ?? true;
    this.timings = options.timings ?? true;
  }

  listModels(): readonly ModelInfo[] {
    return this.models.map((id) => ({
      id, contextSize: this.contextSize, ownedBy: 'spark', createdAt: 0, ...(this.sequences === undefined ? {} : { sequences: this.sequences }),
    }));
  }

  stats(): EngineStats {
    return { activeSequences: this.active, prefixCache: { hits: this.reuseHits, misses: 0 } };
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    if (!this.models.includes(request.model)) throw new EngineError('model_not_found', `Unknown model ${request.model}`, { param: 'model' });
    const previous = request.continueFrom === undefined ? undefined : this.readState(request.continueFrom, request.model);
    const conversation = [...(previous?.conversation ?? []), ...request.conversation];
    // Like a real engine, a continuation counts only its new items: what the state covers is known.
    const inputTokens = (previous?.tokenCount ?? 0) + countTokens(conversationText(request.conversation));
    if (inputTokens >= this.contextSize) {
      throw new EngineError('context_length_exceeded', `The prompt has ${inputTokens} tokens; the model's context window is ${this.contextSize}.`, { param: 'input' });
    }
    this.requests.push(request);
    const cachedInputTokens = previous ? Math.min(previous.tokenCount, inputTokens) : 0;
    if (previous) this.reuseHits += 1;
    const steps = request.prefillOnly ? [] : this.script(previous ? { ...request, conversation } : request);
    return this.run(request, steps, conversation, { inputTokens, cachedInputTokens, coveredTokens: previous?.tokenCount ?? 0 });
  }

  /** Checks that a state is one of ours for this model; anything else is a caller bug. */
  private readState(state: GenerationState, model: string): ScriptedStateData {
    if (!this.continuation) throw new EngineError('invalid_request', 'This engine cannot continue a generation; send the whole conversation.');
    if (state.engine !== this.name || state.model !== model || !isScriptedStateData(state.data)) {
      throw new EngineError('invalid_request', 'continueFrom holds a state this engine did not produce for this model.');
    }
    return state.data;
  }

  private async *run(
    request: GenerateRequest,
    steps: readonly ScriptStep[],
    conversation: readonly ConversationItem[],
    prompt: { inputTokens: number; cachedInputTokens: number; coveredTokens: number },
  ): AsyncGenerator<EngineEvent> {
    if (this.sequences !== undefined && this.active >= this.sequences) {
      throw new EngineError('overloaded', `All ${this.sequences} scripted sequences are busy.`);
    }
    const refusal = steps[0]?.type === 'error' ? steps[0] : undefined;
    if (refusal) throw scriptedError(refusal);
    this.active += 1;
    const started = performance.now();
    const { inputTokens, cachedInputTokens } = prompt;
    const output: ConversationItem[] = [];
    let outputTokens = 0;
    let reasoningTokens = 0;
    let metadata: EngineMetadata | undefined;
    let reason: FinishReason = 'stop';
    const limit = request.maxOutputTokens ?? this.contextSize - inputTokens;
    const appendText = (delta: string): void => {
      const last = output.at(-1);
      if (last?.type === 'assistant') output[output.length - 1] = { type: 'assistant', text: last.text + delta };
      else output.push({ type: 'assistant', text: delta });
    };
    const appendReasoning = (delta: string, encryptedContent: string | undefined): void => {
      const last = output.at(-1);
      const text = last?.type === 'reasoning' ? last.text + delta : delta;
      const encrypted = encryptedContent ?? (last?.type === 'reasoning' ? last.encryptedContent : undefined);
      const item: ConversationItem = { type: 'reasoning', text, ...(encrypted === undefined ? {} : { encryptedContent: encrypted }) };
      if (last?.type === 'reasoning') output[output.length - 1] = item;
      else output.push(item);
    };
    try {
      yield { type: 'prompt', inputTokens, cachedInputTokens };
      outer: for (const step of steps) {
        if (step.type === 'delay') {
          await sleep(step.ms, request.signal);
          continue;
        }
        if (step.type === 'metadata') {
          metadata = mergeMetadata(metadata, step.metadata);
          continue;
        }
        if (step.type === 'error') throw scriptedError(step);
        if (step.type === 'text' || step.type === 'reasoning') {
          const tokens = step.text.match(/\s*\S+|\s+$/g) ?? [];
          for (const [index, token] of tokens.entries()) {
            if (this.tokenDelayMs > 0) await sleep(this.tokenDelayMs, request.signal);
            if (request.signal.aborted) { reason = 'aborted'; break outer; }
            if (outputTokens >= limit) { reason = 'length'; break outer; }
            outputTokens += 1;
            if (step.type === 'text') {
              appendText(token);
              yield { type: 'text-delta', delta: token };
              continue;
            }
            reasoningTokens += 1;
            const encrypted = index === tokens.length - 1 ? step.encryptedContent : undefined;
            appendReasoning(token, encrypted);
            yield { type: 'reasoning-delta', delta: token, ...(encrypted === undefined ? {} : { encryptedContent: encrypted }) };
          }
          continue;
        }
        if (request.signal.aborted) { reason = 'aborted'; break; }
        this.callCounter += 1;
        const callId = `call_scripted_${this.callCounter}`;
        const kind = step.kind ?? 'function';
        yield { type: 'tool-call-start', callId, name: step.name, kind };
        const half = Math.ceil(step.arguments.length / 2);
        for (const delta of step.chunks ?? [step.arguments.slice(0, half), step.arguments.slice(half)]) {
          if (step.chunkDelayMs !== undefined) await sleep(step.chunkDelayMs, request.signal);
          if (request.signal.aborted) { reason = 'aborted'; break outer; }
          if (delta) yield { type: 'tool-call-delta', callId, delta };
        }
        outputTokens += 1;
        output.push({ type: 'tool_call', callId, name: step.name, arguments: step.arguments, kind });
        yield { type: 'tool-call-end', callId, arguments: step.arguments };
        reason = 'tool_calls';
      }
      if (request.signal.aborted) reason = 'aborted';
    } finally {
      this.active -= 1;
    }
    const decodeMs = performance.now() - started;
    const covered = [...conversation, ...output];
    const prediction = request.prediction === undefined ? {} : predictionUsage(request.prediction, output);
    const tokenCount = prompt.coveredTokens + countTokens(conversationText(request.conversation)) + countTokens(conversationText(output));
    const data: ScriptedStateData = { kind: 'scripted', conversation: covered, tokenCount };
    yield {
      type: 'finish',
      reason,
      usage: { inputTokens, cachedInputTokens, outputTokens, ...prediction, ...(reasoningTokens > 0 ? { reasoningTokens } : {}) },
      ...(this.timings ? {
        timings: {
          prefillMs: 0, prefillTokens: inputTokens - cachedInputTokens, decodeMs, decodeTokens: outputTokens,
          decodeTokensPerSecond: decodeMs > 0 ? (outputTokens * 1000) / decodeMs : 0,
        },
      } : {}),
      ...(this.continuation ? { state: { engine: this.name, model: request.model, data } } : {}),
      ...(metadata === undefined ? {} : { metadata }),
    };
  }

  async dispose(): Promise<void> {
    // nothing held
  }
}

function isScriptedStateData(value: unknown): value is ScriptedStateData {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'scripted'
    && Array.isArray((value as { conversation?: unknown }).conversation) && typeof (value as { tokenCount?: unknown }).tokenCount === 'number';
}

function scriptedError(step: Extract<ScriptStep, { type: 'error' }>): EngineError {
  return new EngineError(step.code, step.message, step.retryAfterMs === undefined ? undefined : { retryAfterMs: step.retryAfterMs });
}

function mergeMetadata(into: EngineMetadata | undefined, from: EngineMetadata): EngineMetadata {
  const merged: Record<string, Readonly<Record<string, unknown>>> = { ...into };
  for (const [engine, values] of Object.entries(from)) merged[engine] = { ...merged[engine], ...values };
  return merged;
}

function conversationText(conversation: readonly ConversationItem[]): string {
  return conversation.map((item) => ('text' in item ? item.text : 'output' in item ? item.output : item.arguments)).join(' ');
}

function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * A scripted stand-in for speculative decoding's prediction counts: output chunks found in the
 * prediction in order (after a mismatch the prediction is searched onward, as a drafter would
 * re-align) are accepted; the prediction's other chunks are rejected.
 */
function predictionUsage(prediction: string, output: readonly ConversationItem[]): { acceptedPredictionTokens: number; rejectedPredictionTokens: number } {
  const predicted = chunks(prediction);
  let accepted = 0;
  let cursor = 0;
  for (const chunk of chunks(output.map((item) => (item.type === 'assistant' ? item.text : '')).join(' '))) {
    const found = predicted.indexOf(chunk, cursor);
    if (found < 0) continue;
    accepted += 1;
    cursor = found + 1;
  }
  return { acceptedPredictionTokens: accepted, rejectedPredictionTokens: predicted.length - accepted };
}

function chunks(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function echoLastUser(request: GenerateRequest): readonly ScriptStep[] {
  const last = [...request.conversation].reverse().find((item) => item.type === 'user');
  return [{ type: 'text', text: last && last.type === 'user' ? `You said: ${last.text}` : 'Hello!' }];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(); return; }
    const onAbort = (): void => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
