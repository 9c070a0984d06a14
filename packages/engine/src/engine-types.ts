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

/**
 * The exact token state a generation left in the engine's KV cache (prompt + output as
 * evaluated). A WebSocket connection keeps one per response, so a continuation sends only new
 * items and the engine neither re-renders nor re-tokenizes the history. Only the engine that
 * produced a state can read its `data`.
 */
export interface GenerationState {
  readonly engine: string;
  readonly model: string;
  /** Token ids of everything the state covers, in order. */
  readonly tokens: readonly number[];
  /** Engine-private data for rendering a continuation. */
  readonly data: unknown;
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
  /**
   * Continue from a previous generation of the same engine and model: `conversation` then holds
   * only the items that follow it (e.g. tool outputs, a steering message). The earlier output,
   * partial or not, is part of the state.
   */
  continueFrom?: GenerationState;
  /** Prefill only (Responses `generate: false`): evaluate the prompt, emit no output, finish `stop`. */
  prefillOnly?: boolean;
  /**
   * Text the output is expected to mostly repeat (OpenAI's Predicted Outputs): an engine that
   * speculates drafts from it and verifies the drafts, so the output is what it would have been
   * without it, only sooner. Engines that cannot use it ignore it.
   */
  prediction?: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'aborted';

export interface Usage {
  inputTokens: number;
  /** Prompt tokens served from a reused KV cache instead of being prefilled. */
  cachedInputTokens: number;
  outputTokens: number;
  /** Output tokens drafted from `prediction` that verification accepted (0 or absent when unused). */
  acceptedPredictionTokens?: number;
  /** Tokens drafted from `prediction` that verification rejected: computed, then discarded. */
  rejectedPredictionTokens?: number;
}

/** How speculative decoding went in one generation (absent when the engine does not speculate). */
export interface SpeculationTimings {
  /** Verification steps: one batch of the pending token plus drafted tokens each. */
  steps: number;
  /** Drafted tokens evaluated in those steps. */
  draftedTokens: number;
  /** Drafted tokens whose verification accepted them (prediction and prompt lookup together). */
  acceptedTokens: number;
  /** Output tokens those steps produced (accepted drafts plus one token from each step). */
  outputTokens: number;
  /** Time spent in verification steps (part of `decodeMs`). */
  verifyMs: number;
  /**
   * Output tokens some draft source expected, given the output before them: what a perfect
   * draft-length policy could have had verified, whatever this one chose (the first output
   * token, sampled at prefill, included).
   */
  draftableTokens: number;
  /** Maximal runs of consecutive draftable tokens: a perfect policy verifies each in one batch. */
  draftableRuns: number;
}

export interface Timings {
  /** Time spent evaluating the uncached prompt tokens, until the first output token was sampled. */
  prefillMs: number;
  prefillTokens: number;
  decodeMs: number;
  decodeTokens: number;
  /** decodeTokens / decodeMs, 0 when nothing was decoded. */
  decodeTokensPerSecond: number;
  /** Speculative decoding statistics, when the engine speculated or could have. */
  speculation?: SpeculationTimings;
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
  | { type: 'finish'; reason: FinishReason; usage: Usage; timings: Timings; state?: GenerationState };

export interface ModelInfo {
  id: string;
  /** Tokens a single conversation can hold. */
  contextSize: number;
  /**
   * Generations the model runs at once (its KV sequences); the server admits no more than this
   * and queues the rest. Absent: no fixed limit (the server's own cap applies).
   */
  sequences?: number;
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
  /** True when `finish` carries a `state` and `continueFrom` is honoured. */
  readonly supportsContinuation?: boolean;
  listModels(): readonly ModelInfo[];
  /**
   * Starts a generation. Validation failures (unknown model, context overflow, bad schema) are
   * thrown as `EngineError` by `generate()` or by the stream's first `next()`, before any event,
   * so transports can still answer with an HTTP error.
   */
  generate(request: GenerateRequest): AsyncIterable<EngineEvent>;
  stats(): EngineStats;
  dispose(): Promise<void>;
}
