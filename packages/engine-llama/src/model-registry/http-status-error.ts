import { displayUrl } from './display-url.js';
import { ModelRegistryError } from './model-registry-error.js';

/** Gateway failures that mean "the server is unreachable right now", like a refused connection. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/** The error for an HTTP response that is not the file. */
export function httpStatusError(status: number, url: string): ModelRegistryError {
  const shown = displayUrl(url);
  if (status === 404) {
    return new ModelRegistryError(
      'model_not_found',
      `Not found (HTTP 404): ${shown}. Check the model alias or URL (see \`spark models list\`).`,
    );
  }
  if (status === 401 || status === 403) {
    return new ModelRegistryError(
      'download_failed',
      `Access denied (HTTP ${status}) for ${shown}. If the repository is gated or private, accept its terms on the hub and set HF_TOKEN to an access token.`,
    );
  }
  if (UNAVAILABLE_STATUSES.has(status)) {
    return new ModelRegistryError('network_error', `Server unavailable (HTTP ${status}) for ${shown}. Try again later.`);
  }
  if (status === 429) {
    return new ModelRegistryError('download_failed', `Rate limited (HTTP 429) by ${shown}. Try again later, or set HF_TOKEN.`);
  }
  return new ModelRegistryError('download_failed', `Download failed (HTTP ${status}) from ${shown}.`);
}
