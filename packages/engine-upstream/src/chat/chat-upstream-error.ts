import type { EngineError } from '@spark/engine';
import { chatErrorBodySchema, chatErrorMessage } from '@spark/protocol';
import { toUpstreamEngineError, type UpstreamFailure } from '../upstream-error.js';

/**
 * The engine error for a Chat Completions upstream's refusal (an HTTP error status) or for an
 * `{"error": ...}` event mid-stream (`status` undefined, or the event's numeric `code`). Reads
 * every error body shape these servers send (OpenAI's `{error:{...}}`, vLLM's and SGLang's flat
 * `{object:"error",message,code}`, Cerebras' flat `{message,type,code}`, `{error:"text"}`) and
 * maps it with the package's one mapper, `toUpstreamEngineError`, so both upstream kinds answer
 * alike (key redacted, 429 -> rate_limited with Retry-After, 401/403 -> upstream_auth,
 * 5xx -> upstream_error). A message that says the context overflowed becomes
 * `context_length_exceeded` even where the server gave no such code (vLLM, llama-server).
 */
export function chatUpstreamError(
  provider: string, status: number | undefined, retryAfter: string | undefined, body: unknown, fallbackText: string, apiKey: string | undefined,
): EngineError {
  const parsed = chatErrorBodySchema.safeParse(body);
  const flat = typeof body === 'object' && body !== null ? body as Record<string, unknown> : {};
  const message = chatErrorMessage(body) ?? (fallbackText.trim().slice(0, 500) || `HTTP ${status ?? 'error'}`);
  const rawCode = parsed.success ? parsed.data.error.code ?? parsed.data.error.type : flat['code'] ?? flat['type'];
  const numericCode = typeof rawCode === 'number' ? rawCode : undefined;
  const failure: UpstreamFailure = { message };
  const effectiveStatus = status ?? (numericCode !== undefined && numericCode >= 400 ? numericCode : undefined);
  if (effectiveStatus !== undefined) failure.status = effectiveStatus;
  const code = mentionsContextLength(message, rawCode) ? 'context_length_exceeded' : typeof rawCode === 'string' ? rawCode : undefined;
  if (code !== undefined) failure.code = code;
  const param = parsed.success ? parsed.data.error.param : typeof flat['param'] === 'string' ? flat['param'] : undefined;
  if (param !== undefined) failure.param = param;
  if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  return toUpstreamEngineError(provider, failure, apiKey);
}

/** The same from an error body's text (an HTTP error answer), JSON or not. */
export function chatUpstreamHttpError(provider: string, status: number, retryAfter: string | undefined, bodyText: string, apiKey: string | undefined): EngineError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText) as unknown;
  } catch {
    body = undefined;
  }
  return chatUpstreamError(provider, status, retryAfter, body, bodyText, apiKey);
}

function mentionsContextLength(message: string, code: unknown): boolean {
  if (code === 'context_length_exceeded') return true;
  const text = message.toLowerCase();
  return text.includes('maximum context length') || text.includes('exceeds the available context size') || text.includes('context length exceeded');
}
