import { EngineError } from './engine-error.js';
import type {
  ConversationItem, Engine, EngineEvent, EngineStats, FinishReason, GenerateRequest, GenerationState, ModelInfo,
} from './engine-types.js';

/** One step a scripted generation plays back. */
export type ScriptStep =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; name: string; arguments: string; kind?: 'function' | 'custom' }
  | { type: 'delay'; ms: number };

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
}

/** What a scripted `GenerationState` holds in `data`: the conversation it covers, output included. */
interface ScriptedStateData {
  readonly kind: 'scripted';
  readonly conversation: readonly ConversationItem[];
}

/**
 * A deterministic engine for protocol tests: "tokens" are whitespace-separated chunks, and it
 * honours max tokens, abort, context size, continuation (`continueFrom`) and prefill-only
 * requests exactly like a real engine would. Its `GenerationState` is the whole conversation
 * so far, output included; a continuation counts that part as cached input.
 */
export class ScriptedEngine implements Engine {
  readonly name = 'scripted';
  readonly supportsContinuation = true;
  private readonly models: readonly string[];
  private readonly contextSize: number;
  private readonly script: (request: GenerateRequest) => readonly ScriptStep[];
  private readonly tokenDelayMs: number;
  private readonly sequences: number | undefined;
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
  }

  listModels(): readonly ModelInfo[] {
    return this.models.map((id) => ({
      id, contextSize: this.contextSize, ownedBy: 'spark', createdAt: 0, ...(this.sequences === undefined ? {} : { sequences: this.sequences }),
    }));
  }

  stats(): EngineStats {
    return { activeSequences: this.active, kvReuseHits: this.reuseHits, kvReuseMisses: 0 };
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    if (!this.models.includes(request.model)) throw new EngineError('model_not_found', `Unknown model ${request.model}`, { param: 'model' });
    const previous = request.continueFrom === undefined ? undefined : this.readState(request.continueFrom, request.model);
    const conversation = [...(previous?.conversation ?? []), ...request.conversation];
    // Like a real engine, a continuation counts only its new items: what the state covers is known.
    const inputTokens = (previous?.tokens ?? 0) + countTokens(conversationText(request.conversation));
    if (inputTokens >= this.contextSize) {
      throw new EngineError('context_length_exceeded', `The prompt has ${inputTokens} tokens; the model's context window is ${this.contextSize}.`, { param: 'input' });
    }
    this.requests.push(request);
    const cachedInputTokens = previous ? Math.min(previous.tokens, inputTokens) : 0;
    if (previous) this.reuseHits += 1;
    const steps = request.prefillOnly ? [] : this.script(previous ? { ...request, conversation } : request);
    return this.run(request, steps, conversation, { inputTokens, cachedInputTokens, coveredTokenIds: previous?.tokenIds ?? [] });
  }

  /** Checks that a state is one of ours for this model; anything else is a caller bug. */
  private readState(state: GenerationState, model: string): { conversation: readonly ConversationItem[]; tokens: number; tokenIds: readonly number[] } {
    if (state.engine !== this.name || state.model !== model || !isScriptedStateData(state.data)) {
      throw new EngineError('invalid_request', 'continueFrom holds a state this engine did not produce for this model.');
    }
    return { conversation: state.data.conversation, tokens: state.tokens.length, tokenIds: state.tokens };
  }

  private async *run(
    request: GenerateRequest,
    steps: readonly ScriptStep[],
    conversation: readonly ConversationItem[],
    prompt: { inputTokens: number; cachedInputTokens: number; coveredTokenIds: readonly number[] },
  ): AsyncGenerator<EngineEvent> {
    if (this.sequences !== undefined && this.active >= this.sequences) {
      throw new EngineError('overloaded', `All ${this.sequences} scripted sequences are busy.`);
    }
    this.active += 1;
    const started = performance.now();
    const { inputTokens, cachedInputTokens } = prompt;
    const output: ConversationItem[] = [];
    let outputTokens = 0;
    let reason: FinishReason = 'stop';
    const limit = request.maxOutputTokens ?? this.contextSize - inputTokens;
    const appendText = (delta: string): void => {
      const last = output.at(-1);
      if (last?.type === 'assistant') output[output.length - 1] = { type: 'assistant', text: last.text + delta };
      else output.push({ type: 'assistant', text: delta });
    };
    try {
      yield { type: 'prompt', inputTokens, cachedInputTokens };
      outer: for (const step of steps) {
        if (step.type === 'delay') {
          await sleep(step.ms, request.signal);
          continue;
        }
        if (step.type === 'text') {
          for (const token of step.text.match(/\s*\S+|\s+$/g) ?? []) {
            if (this.tokenDelayMs > 0) await sleep(this.tokenDelayMs, request.signal);
            if (request.signal.aborted) { reason = 'aborted'; break outer; }
            if (outputTokens >= limit) { reason = 'length'; break outer; }
            outputTokens += 1;
            appendText(token);
            yield { type: 'text-delta', delta: token };
          }
          continue;
        }
        if (request.signal.aborted) { reason = 'aborted'; break; }
        this.callCounter += 1;
        const callId = `call_scripted_${this.callCounter}`;
        const kind = step.kind ?? 'function';
        yield { type: 'tool-call-start', callId, name: step.name, kind };
        const half = Math.ceil(step.arguments.length / 2);
        for (const delta of [step.arguments.slice(0, half), step.arguments.slice(half)]) {
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
    const data: ScriptedStateData = { kind: 'scripted', conversation: covered };
    yield {
      type: 'finish',
      reason,
      usage: { inputTokens, cachedInputTokens, outputTokens, ...prediction },
      timings: {
        prefillMs: 0, prefillTokens: inputTokens - cachedInputTokens, decodeMs, decodeTokens: outputTokens,
        decodeTokensPerSecond: decodeMs > 0 ? (outputTokens * 1000) / decodeMs : 0,
      },
      state: {
        engine: this.name, model: request.model, data,
        tokens: [...prompt.coveredTokenIds, ...tokenIds(conversationText(request.conversation)), ...tokenIds(conversationText(output))],
      },
    };
  }

  async dispose(): Promise<void> {
    // nothing held
  }
}

function isScriptedStateData(value: unknown): value is ScriptedStateData {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'scripted'
    && Array.isArray((value as { conversation?: unknown }).conversation);
}

function conversationText(conversation: readonly ConversationItem[]): string {
  return conversation.map((item) => ('text' in item ? item.text : 'output' in item ? item.output : item.arguments)).join(' ');
}

function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Stable fake token ids: a small hash of each whitespace-separated chunk. */
function tokenIds(text: string): number[] {
  return text.split(/\s+/).filter(Boolean).map((chunk) => {
    let hash = 0;
    for (let index = 0; index < chunk.length; index += 1) hash = (hash * 31 + chunk.charCodeAt(index)) % 50_021;
    return hash;
  });
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
