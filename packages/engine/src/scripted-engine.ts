import { EngineError } from './engine-error.js';
import type { Engine, EngineEvent, EngineStats, GenerateRequest, ModelInfo } from './engine-types.js';

/** One step a scripted generation plays back. */
export type ScriptStep =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; name: string; arguments: string; kind?: 'function' | 'custom' }
  | { type: 'delay'; ms: number };

export interface ScriptedEngineOptions {
  models?: readonly string[];
  contextSize?: number;
  /** Decides what each request produces. Default: echo the last user text. */
  script?: (request: GenerateRequest) => readonly ScriptStep[];
  /** Delay before every emitted token, to make streams observable. Default 0. */
  tokenDelayMs?: number;
}

/**
 * A deterministic engine for protocol tests: "tokens" are whitespace-separated chunks, and it
 * honours max tokens, abort and context size exactly like a real engine would.
 */
export class ScriptedEngine implements Engine {
  readonly name = 'scripted';
  private readonly models: readonly string[];
  private readonly contextSize: number;
  private readonly script: (request: GenerateRequest) => readonly ScriptStep[];
  private readonly tokenDelayMs: number;
  private active = 0;
  private callCounter = 0;
  /** Every request the engine received, for assertions. */
  readonly requests: GenerateRequest[] = [];

  constructor(options: ScriptedEngineOptions = {}) {
    this.models = options.models ?? ['scripted'];
    this.contextSize = options.contextSize ?? 4096;
    this.script = options.script ?? echoLastUser;
    this.tokenDelayMs = options.tokenDelayMs ?? 0;
  }

  listModels(): readonly ModelInfo[] {
    return this.models.map((id) => ({ id, contextSize: this.contextSize, ownedBy: 'spark', createdAt: 0 }));
  }

  stats(): EngineStats {
    return { activeSequences: this.active, kvReuseHits: 0, kvReuseMisses: 0 };
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    if (!this.models.includes(request.model)) throw new EngineError('model_not_found', `Unknown model ${request.model}`, { param: 'model' });
    const inputTokens = countTokens(request.conversation.map((item) => ('text' in item ? item.text : 'output' in item ? item.output : item.arguments)).join(' '));
    if (inputTokens >= this.contextSize) {
      throw new EngineError('context_length_exceeded', `The prompt has ${inputTokens} tokens; the model's context window is ${this.contextSize}.`, { param: 'input' });
    }
    this.requests.push(request);
    const steps = this.script(request);
    return this.run(request, steps, inputTokens);
  }

  private async *run(request: GenerateRequest, steps: readonly ScriptStep[], inputTokens: number): AsyncGenerator<EngineEvent> {
    this.active += 1;
    const started = performance.now();
    let outputTokens = 0;
    let reason: 'stop' | 'length' | 'tool_calls' | 'aborted' = 'stop';
    const limit = request.maxOutputTokens ?? this.contextSize - inputTokens;
    try {
      yield { type: 'prompt', inputTokens, cachedInputTokens: 0 };
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
            yield { type: 'text-delta', delta: token };
          }
          continue;
        }
        if (request.signal.aborted) { reason = 'aborted'; break; }
        this.callCounter += 1;
        const callId = `call_scripted_${this.callCounter}`;
        yield { type: 'tool-call-start', callId, name: step.name, kind: step.kind ?? 'function' };
        const half = Math.ceil(step.arguments.length / 2);
        for (const delta of [step.arguments.slice(0, half), step.arguments.slice(half)]) {
          if (delta) yield { type: 'tool-call-delta', callId, delta };
        }
        outputTokens += 1;
        yield { type: 'tool-call-end', callId, arguments: step.arguments };
        reason = 'tool_calls';
      }
      if (request.signal.aborted) reason = 'aborted';
    } finally {
      this.active -= 1;
    }
    const decodeMs = performance.now() - started;
    yield {
      type: 'finish',
      reason,
      usage: { inputTokens, cachedInputTokens: 0, outputTokens },
      timings: { prefillMs: 0, prefillTokens: inputTokens, decodeMs, decodeTokens: outputTokens, decodeTokensPerSecond: decodeMs > 0 ? (outputTokens * 1000) / decodeMs : 0 },
    };
  }

  async dispose(): Promise<void> {
    // nothing held
  }
}

function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
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
