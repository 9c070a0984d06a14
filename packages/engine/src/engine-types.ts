/** The engine contract: what every backend (embedded llama.cpp, upstreams, scripted) provides. */

/** One turn of an engine-neutral conversation, already resolved from Responses items. */
export type ConversationItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'assistant'; text: string }
  | { type: 'tool_call'; callId: string; name: string; arguments: string; kind: 'function' | 'custom' }
  | { type: 'tool_result'; callId: string; output: string }
  /**
   * Reasoning the model produced earlier (Responses `reasoning` item): its raw text (the item's
   * `reasoning_text` parts, else its summary), and the opaque payload an upstream returned with
   * it (`encrypted_content`), for engines that send it back. Engines that render no reasoning
   * (engine-llama's chat templates) drop it.
   */
  | { type: 'reasoning'; text: string; encryptedContent?: string };

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
 * What a generation left behind for a continuation, opaque to the gateway: engine-llama keeps
 * the token ids its KV cache holds (so a continuation neither re-renders nor re-tokenizes the
 * history), an upstream might keep its own response id. A WebSocket connection keeps one per
 * response and hands it back as `continueFrom`; only the engine that produced a state can read
 * its `data`. An engine that cannot continue never returns one.
 */
export interface GenerationState {
  readonly engine: string;
  readonly model: string;
  /** Engine-private data for a continuation. */
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
  /**
   * The downstream connection or lane this generation belongs to, opaque and unique within one
   * server: the WebSocket path sets it (connection id and lane), HTTP leaves it unset. An
   * upstream keeps one socket per session so chains stay warm end to end (`previous_response_id`
   * and only new items) while other sessions run at the same time. Engines without sockets
   * ignore it; `Engine.endSession` says when it ended.
   */
  session?: string;
  /**
   * How an engine that schedules its own generations (engine-llama) ranks this one: `foreground`
   * (default, someone is watching) before `background` (a background agent). Engines that
   * schedule nothing themselves (upstreams, the scripted engine) ignore it.
   */
  priority?: GenerationPriority;
}

/** Scheduling rank of a generation (Responses `priority`, a Spark extension). */
export type GenerationPriority = 'foreground' | 'background';

/** Request fields an engine may leave out when it cannot pass them on (see `finish.dropped`). */
export type DroppableField = 'prediction';

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
  /** Output tokens that were reasoning (part of `outputTokens`; 0 or absent when none). */
  reasoningTokens?: number;
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
 * Engine-specific facts about one generation, keyed by engine name as in vercel/ai's provider
 * metadata (e.g. `{ llama: { speculation: {...} } }`), so wrappers and routers merge them
 * without collisions. The gateway passes them on to observers and reads none of them.
 */
export type EngineMetadata = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * Events of one generation, in order: `prompt` first (after the request was accepted, before any
 * prefill), then reasoning, text and tool-call parts, then exactly one `finish`. Tool calls
 * stream as start/delta/end triplets keyed by `callId`; text and reasoning never interleave with
 * an open tool call. Consecutive reasoning deltas form one reasoning item, as consecutive text
 * deltas form one message.
 */
export type EngineEvent =
  | { type: 'prompt'; inputTokens: number; cachedInputTokens: number }
  /**
   * Reasoning text (a thinking model's chain of thought). `encryptedContent`: the opaque payload
   * an upstream returns for the reasoning item so far (the last one given wins), echoed to the
   * client as `encrypted_content` for it to send back.
   */
  | { type: 'reasoning-delta'; delta: string; encryptedContent?: string }
  | { type: 'text-delta'; delta: string }
  | { type: 'tool-call-start'; callId: string; name: string; kind: 'function' | 'custom' }
  | { type: 'tool-call-delta'; callId: string; delta: string }
  | { type: 'tool-call-end'; callId: string; arguments: string }
  | {
    type: 'finish';
    reason: FinishReason;
    usage: Usage;
    /** Where the time went, when the engine knows (an upstream may not know the prefill/decode split). */
    timings?: Timings;
    /** Present when a continuation (`continueFrom`) can extend this generation. */
    state?: GenerationState;
    metadata?: EngineMetadata;
    /**
     * Request fields the engine could not honour and left out (`'prediction'` on an upstream
     * that does not take it). The output is what it would have been; the server logs each once
     * per model. Absent when everything was honoured.
     */
    dropped?: readonly DroppableField[];
  };

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

/** Counters of an engine that keeps a prompt-prefix (KV) cache it can see into. */
export interface PrefixCacheStats {
  /** Generations whose prompt reused a cached prefix (by the engine's own threshold). */
  hits: number;
  /** Generations that prefilled their prompt from scratch. */
  misses: number;
}

export interface EngineStats {
  /** Sequences currently generating. */
  activeSequences: number;
  /** Absent for an engine that cannot tell (an upstream); `/metrics` then counts it as 0. */
  prefixCache?: PrefixCacheStats;
}

export interface Engine {
  readonly name: string;
  listModels(): readonly ModelInfo[];
  /**
   * Starts a generation. Validation failures (unknown model, context overflow, bad schema) are
   * thrown as `EngineError` by `generate()` or by the stream's first `next()`, before any event,
   * so transports can still answer with an HTTP error.
   */
  generate(request: GenerateRequest): AsyncIterable<EngineEvent>;
  stats(): EngineStats;
  /**
   * The session (`GenerateRequest.session`) ended: its downstream connection closed. An engine
   * that holds something per session (an upstream socket) releases it; optional.
   */
  endSession?(session: string): void;
  dispose(): Promise<void>;
}
