// Engines that serve models from another server (OpenAI, Cerebras, vLLM, SGLang, Ollama,
// llama-server, a second `spark serve`): the same `Engine` contract as the embedded engine.
export const ENGINE_UPSTREAM = 'upstream';

// Responses upstream (OpenAI, a second `spark serve`): HTTP+SSE and WebSocket.
export { ResponsesUpstreamEngine } from './responses/responses-upstream-engine.js';
export type { ResponsesUpstreamOptions, UpstreamModel } from './responses/responses-upstream-engine.js';
export {
  DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS, DEFAULT_UPSTREAM_FIRST_BYTE_TIMEOUT_MS, DEFAULT_UPSTREAM_MAX_ATTEMPTS, DEFAULT_UPSTREAM_RETRY_BASE_MS,
  DEFAULT_UPSTREAM_MAX_RETRY_DELAY_MS, DEFAULT_UPSTREAM_MAX_IDLE_SOCKETS, DEFAULT_UPSTREAM_SOCKET_IDLE_MS, DEFAULT_UPSTREAM_LIMITS, resolveUpstreamLimits,
} from './upstream-limits.js';
export type { UpstreamLimits } from './upstream-limits.js';
export { toUpstreamEngineError, redactSecret, parseRetryAfterMs } from './upstream-error.js';
export type { UpstreamFailure } from './upstream-error.js';
