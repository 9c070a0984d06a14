import { ModelRegistryError } from './model-registry-error.js';

/** The `network_error` for a request that never got an HTTP response (refused, DNS, timeout). */
export function networkError(url: string, error: unknown): ModelRegistryError {
  const origin = originOf(url);
  return new ModelRegistryError(
    'network_error',
    `Could not reach ${origin} (${describeCause(error)}). Check your network connection, or set HF_ENDPOINT to a reachable mirror.`,
    { cause: error },
  );
}

/** The most specific name for a fetch failure: ECONNREFUSED, ENOTFOUND, TimeoutError... */
function describeCause(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, errors, cause, name } = current as { code?: unknown; errors?: unknown; cause?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (name === 'TimeoutError') return 'timed out';
    if (Array.isArray(errors) && errors.length > 0) current = errors[0] as unknown;
    else current = cause;
  }
  return 'network error';
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '<invalid URL>';
  }
}
