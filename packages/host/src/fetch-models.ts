import { z } from 'zod';
import type { ModelInfo } from './wire/host-frames.js';
import { MODELS_TIMEOUT_MS } from './host-limits.js';

const windowSize = z.number().int().positive();
const modelList = z.looseObject({
  data: z.array(z.looseObject({
    id: z.string(),
    owned_by: z.string().optional(),
    context_window: z.unknown().optional(),
    max_model_len: z.unknown().optional(),
  })),
});

/** Why the server's model list could not be read. */
export class ModelListError extends Error {
  constructor(readonly code: 'models_unavailable', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelListError';
  }
}

/**
 * `GET {baseUrl}/models` of the host's server, as the host's `models.list` answers it: local and
 * upstream models with their owner and context window (null when the server reports none).
 */
export async function fetchModels(baseUrl: string, apiKey: string | undefined, signal?: AbortSignal): Promise<ModelInfo[]> {
  const timeout = AbortSignal.timeout(MODELS_TIMEOUT_MS);
  const linked = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  let body: unknown;
  try {
    const response = await fetch(`${baseUrl}/models`, {
      headers: { accept: 'application/json', ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
      signal: linked,
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new ModelListError('models_unavailable', `The server answered GET /models with HTTP ${response.status}.`);
    }
    body = await response.json();
  } catch (error) {
    if (error instanceof ModelListError) throw error;
    throw new ModelListError('models_unavailable', `Could not list the server's models: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = modelList.safeParse(body);
  if (!parsed.success) throw new ModelListError('models_unavailable', 'The server answered GET /models with something other than a model list.');
  return parsed.data.data.map((model) => {
    const size = windowSize.safeParse(model.context_window ?? model.max_model_len);
    return { id: model.id, owned_by: model.owned_by ?? 'unknown', context_window: size.success ? size.data : null };
  });
}
