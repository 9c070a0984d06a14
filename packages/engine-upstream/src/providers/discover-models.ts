import { z } from 'zod';
import type { WireApi } from './provider-presets.js';
import { UpstreamConfigError } from './upstream-config-error.js';
import type { ProviderModel, UpstreamProvider } from './upstream-provider.js';

/** How long a provider's `/models` (or the wire probe) may take at start before Spark gives up on it. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 10_000;

/**
 * `GET {baseUrl}/models` as OpenAI-compatible servers answer it. The context window has a name per
 * server: `context_window` (Spark), `max_model_len` (vLLM, SGLang), `context_length` (OpenRouter,
 * LM Studio), `meta.n_ctx_train` (llama-server); OpenAI, Cerebras and Ollama report none.
 */
const modelListSchema = z.object({
  data: z.array(z.looseObject({
    id: z.string().min(1),
    context_window: z.number().int().positive().optional().catch(undefined),
    max_model_len: z.number().int().positive().optional().catch(undefined),
    context_length: z.number().int().positive().optional().catch(undefined),
    meta: z.looseObject({ n_ctx_train: z.number().int().positive().optional().catch(undefined) }).optional().catch(undefined),
  })),
});

export interface DiscoveryOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The provider's models: as configured, else from its `/models` list. */
export async function discoverModels(provider: UpstreamProvider, options: DiscoveryOptions = {}): Promise<ProviderModel[]> {
  if (provider.models !== undefined && provider.models.length > 0) return provider.models;
  const response = await call(provider, 'GET', '/models', undefined, options);
  if (!response.ok) {
    throw new UpstreamConfigError('upstream_unreachable', `Upstream '${provider.name}' answered ${response.status} to GET /models${response.status === 401 || response.status === 403 ? ` (check ${provider.apiKeyEnv ?? 'its key'})` : ''}; list its models in the config file to skip this.`);
  }
  const parsed = modelListSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new UpstreamConfigError('upstream_unreachable', `Upstream '${provider.name}': GET /models did not answer an OpenAI-style model list.`);
  if (parsed.data.data.length === 0) throw new UpstreamConfigError('no_models', `Upstream '${provider.name}' lists no models.`);
  return parsed.data.data.map((model) => {
    const contextWindow = model.context_window ?? model.max_model_len ?? model.context_length ?? model.meta?.n_ctx_train;
    return { id: model.id, ...(contextWindow === undefined ? {} : { contextWindow }) };
  });
}

/**
 * The wire API of a provider configured as `auto`: a Responses server answers a bodiless
 * `POST /responses` with a 400 (or 401/422: the route exists); a Chat Completions-only server with
 * 404 or 405. No model runs: the request has no model and no input.
 */
export async function detectWireApi(provider: UpstreamProvider, options: DiscoveryOptions = {}): Promise<WireApi> {
  if (provider.api !== 'auto') return provider.api;
  const response = await call(provider, 'POST', '/responses', '{}', options);
  await response.body?.cancel();
  return response.status === 404 || response.status === 405 ? 'chat' : 'responses';
}

async function call(provider: UpstreamProvider, method: string, path: string, body: string | undefined, options: DiscoveryOptions): Promise<Response> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await fetch(`${provider.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(provider.apiKey === undefined ? {} : { authorization: `Bearer ${provider.apiKey}` }),
      },
      ...(body === undefined ? {} : { body }),
      signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const reason = timeout.aborted ? `no answer in ${(options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS) / 1000} s` : describeCause(error);
    throw new UpstreamConfigError('upstream_unreachable', `Upstream '${provider.name}' at ${provider.baseUrl} is unreachable: ${reason}.`);
  }
}

function describeCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
