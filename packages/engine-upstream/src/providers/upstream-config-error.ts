/** A provider that cannot be set up as given: a bad flag, a missing key, an unreachable model list. */
export class UpstreamConfigError extends Error {
  constructor(readonly code: 'invalid_upstream' | 'missing_api_key' | 'upstream_unreachable' | 'no_models', message: string) {
    super(message);
    this.name = 'UpstreamConfigError';
  }
}
