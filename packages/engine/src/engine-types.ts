/** The engine contract: what every backend (embedded llama.cpp, upstreams, scripted) provides. */

/** One turn of an engine-neutral conversation, already resolved from Responses items. */
export type ConversationItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'assistant'; text: string }
  | { type: 'tool_call'; callId: string; name: string; arguments: string; kind: 'function' | 'custom' }
  | { type: 'tool_result'; callId: string; output: string };

/** A JSON Schema object as received from a client. */
export type JsonSchema = Record<string, unknown>;

export type ToolSpec =
  | { kind: 'function'; name: string; description?: string; parameters?: JsonSchema; strict: boolean }
  | { kind: 'custom'; name: string; description?: string; grammar?: { syntax: 'lark' | 'regex'; definition: string } };

/** Which tools the model may or must call. `named` forces exactly that tool. */
export type ToolChoice =
  | { type: 'none' }
  | { type: 'auto' }
  | { type: 'required' }
  | { type: 'named'; name: string };

export type OutputFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; schema: JsonSchema; strict: boolean };

export interface SamplingOptions {
  /** 0 = greedy. */
  temperature: number;
  topP?: number;
  seed?: number;
}

export interface GenerateRequest {
  model: string;
  conversation: readonly ConversationItem[];
  tools: readonly ToolSpec[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  outputFormat: OutputFormat;
  /** Cap on generated tokens; undefined means "until the context is full". */
  maxOutputTokens?: number;
  sampling: SamplingOptions;
  /** Hint for KV reuse routing (Responses `prompt_cache_key`). */
  cacheKey?: string;
  /** Stops decoding within one token; the generation then finishes with reason `aborted`. */
  signal: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'aborted';

export interface Usage {
  inputTokens: number;
  /** Prompt tokens served from a reused KV cache instead of being prefilled. */
  cachedInputTokens: number;
  outputTokens: number;
}

export interface Timings {
  /** Time spent evaluating the uncached prompt tokens, until the first output token was sampled. */
  prefillMs: number;
  prefillTokens: number;
  decodeMs: number;
  decodeTokens: number;
  /** decodeTokens / decodeMs, 0 when nothing was decoded. */
  decodeTokensPerSecond: number;
}

/**
 * Events of one generation, in order: `prompt` first (after the request was accepted, before any
 * prefill), then text and tool-call parts, then exactly one `finish`. Tool calls stream as
 * start/delta/end triplets keyed by `callId`; text never interleaves with an open tool call.
 */
export type EngineEvent =
  | { type: 'prompt'; inputTokens: number; cachedInputTokens: number }
  | { type: 'text-delta'; delta: string }
  | { type: 'tool-call-start'; callId: string; name: string; kind: 'function' | 'custom' }
  | { type: 'tool-call-delta'; callId: string; delta: string }
  | { type: 'tool-call-end'; callId: string; arguments: string }
  | { type: 'finish'; reason: FinishReason; usage: Usage; timings: Timings };

export interface ModelInfo {
  id: string;
  /** Tokens a single conversation can hold. */
  contextSize: number;
  ownedBy: string;
  createdAt: number;
}

export interface EngineStats {
  /** Sequences currently generating. */
  activeSequences: number;
  /** Requests whose prompt reused a cached prefix of at least one token. */
  kvReuseHits: number;
  kvReuseMisses: number;
}

export interface Engine {
  readonly name: string;
  listModels(): readonly ModelInfo[];
  /**
   * Starts a generation. Validation failures (unknown model, context overflow, bad schema) are
   * thrown as `EngineError` before the first event, so transports can still answer with an
   * HTTP error.
   */
  generate(request: GenerateRequest): AsyncIterable<EngineEvent>;
  stats(): EngineStats;
  dispose(): Promise<void>;
}
