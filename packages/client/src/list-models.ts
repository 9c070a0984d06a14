import { z } from 'zod';
import { ClientError } from './client-error.js';
import type { ResolvedClientOptions } from './client-options.js';
import { readHttpError } from './http-error.js';
import type { ModelEntry } from './responses-connection.js';
import { withTimeout } from './with-timeout.js';

const windowSize = z.number().int().positive();
const modelList = z.looseObject({
  data: z.array(z.looseObject({
    id: z.string(),
    // Spark's name, and vLLM's (which many OpenAI-compatible servers copy).
    context_window: z.unknown().optional(),
    max_model_len: z.unknown().optional(),
  })),
});

/** `GET {baseUrl}/models`: each id with its context window when the server reports a valid one. */
export async function listModels(options: ResolvedClientOptions, signal?: AbortSignal): Promise<ModelEntry[]> {
  const body = await withTimeout(signal, options.connectTimeoutMs, async (linked): Promise<unknown> => {
    const response = await fetch(`${options.baseUrl}/models`, { headers: { accept: 'application/json', ...options.headers }, signal: linked });
    if (!response.ok) throw await readHttpError(response);
    try {
      const json: unknown = await response.json();
      return json;
    } catch (error) {
      if (linked.aborted) throw error;
      throw new ClientError('invalid_response', 'The server answered GET /models with a body that is not JSON.', { cause: error });
    }
  });
  const parsed = modelList.safeParse(body);
  if (!parsed.success) throw new ClientError('invalid_response', 'The server answered GET /models with something other than a model list.');
  return parsed.data.data.map((model) => {
    const size = windowSize.safeParse(model.context_window ?? model.max_model_len);
    return size.success ? { id: model.id, contextWindow: size.data } : { id: model.id };
  });
}
