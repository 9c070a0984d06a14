import { z } from 'zod';
import { ClientError } from './client-error.js';

/** Error bodies are short; a larger one is cut (it is only read for its `error` object). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

const errorBody = z.looseObject({
  error: z.looseObject({
    type: z.string().nullish(),
    code: z.string().nullish(),
    message: z.string(),
    param: z.string().nullish(),
  }),
});

/** The `ClientError` of a non-2xx answer: `{error:{type,code,message,param}}` (spec §4.1), status kept. */
export function httpError(status: number, bodyText: string, retryAfter?: string | null): ClientError {
  const headers = retryAfter ? { headers: { 'retry-after': retryAfter } } : {};
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    json = undefined;
  }
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return new ClientError('http_error', `The server answered HTTP ${status}.`, { status, ...headers });
  const { error } = parsed.data;
  return new ClientError(error.code ?? 'http_error', error.message, {
    status, param: error.param ?? null, ...(error.type ? { type: error.type } : {}), ...headers,
  });
}

/** Reads a fetch `Response`'s error body (bounded) into a `ClientError`. */
export async function readHttpError(response: Response): Promise<ClientError> {
  const text = await readBoundedText(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
  return httpError(response.status, text, response.headers.get('retry-after'));
}

async function readBoundedText(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      bytes += value.length;
      text += decoder.decode(value, { stream: true });
      if (bytes >= maxBytes) return text;
    }
  } finally {
    // Also drops the rest of an oversized body instead of downloading it.
    await reader.cancel().catch(() => undefined);
  }
}
