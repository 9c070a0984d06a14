// Engines that serve models from another server (OpenAI, Cerebras, vLLM, SGLang, Ollama,
// llama-server, a second `spark serve`): the same `Engine` contract as the embedded engine.
export const ENGINE_UPSTREAM = 'upstream';
// Chat Completions upstream (vLLM, SGLang, Cerebras, Ollama, llama-server, LM Studio, OpenRouter).
export { ChatUpstreamEngine } from './chat/chat-upstream-engine.js';
export type { ChatUpstreamEngineOptions, ChatUpstreamModel } from './chat/chat-upstream-engine.js';
export { DEFAULT_CHAT_MAX_ERROR_BODY_BYTES } from './chat/chat-upstream-limits.js';
export { renderChatMessages, renderChatTools } from './chat/render-chat-messages.js';
export type { ChatReasoningInput } from './chat/render-chat-messages.js';
export type { ChatMaxTokensField } from './chat/chat-request-body.js';

// Responses upstream (OpenAI, a second `spark serve`): HTTP+SSE and WebSocket.
export { ResponsesUpstreamEngine } from './responses/responses-upstream-engine.js';
export type { ResponsesUpstreamOptions, UpstreamModel } from './responses/responses-upstream-engine.js';
export {
  DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS, DEFAULT_UPSTREAM_FIRST_BYTE_TIMEOUT_MS, DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS, DEFAULT_UPSTREAM_MAX_ATTEMPTS,
  DEFAULT_UPSTREAM_RETRY_BASE_MS, DEFAULT_UPSTREAM_MAX_RETRY_DELAY_MS, DEFAULT_UPSTREAM_MAX_RETRY_AFTER_MS, DEFAULT_UPSTREAM_MAX_IDLE_SOCKETS,
  DEFAULT_UPSTREAM_SOCKET_IDLE_MS, DEFAULT_UPSTREAM_MAX_LINE_BYTES, DEFAULT_UPSTREAM_CONTEXT_WINDOW, DEFAULT_UPSTREAM_LIMITS, UPSTREAM_LIMIT_NAMES,
  resolveUpstreamLimits,
} from './upstream-limits.js';
export type { UpstreamLimits } from './upstream-limits.js';
export { toUpstreamEngineError, redactSecret, parseRetryAfterMs } from './upstream-error.js';
export type { UpstreamFailure } from './upstream-error.js';

// Providers: presets, flags and config, model discovery, wire detection.
export { PROVIDER_PRESETS } from './providers/provider-presets.js';
export type { ProviderPreset, WireApi } from './providers/provider-presets.js';
export { PROVIDER_NAME, resolveUpstreams, upstreamConfigSchema, upstreamsConfigSchema } from './providers/upstream-provider.js';
export type { ProviderModel, UpstreamConfig, UpstreamProvider } from './providers/upstream-provider.js';
export { DEFAULT_DISCOVERY_TIMEOUT_MS, detectWireApi, discoverModels } from './providers/discover-models.js';
export type { DiscoveryOptions } from './providers/discover-models.js';
export { UpstreamConfigError } from './providers/upstream-config-error.js';
export { openUpstreamEngine } from './providers/open-upstream-engine.js';
export type { OpenedUpstream } from './providers/open-upstream-engine.js';
