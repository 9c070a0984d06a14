export type CallStartClass =
  | { type: 'call'; prefix: string; after: string }
  | { type: 'pending' }
  | { type: 'not-a-call' };

/**
 * Decides whether text generated right after a finished tool call opens another call: it may
 * begin with whitespace, then must be one of the call prefixes. `pending` while it still could.
 */
export function classifyCallStart(text: string, prefixes: readonly string[]): CallStartClass {
  const trimmed = text.trimStart();
  let best: string | undefined;
  for (const prefix of prefixes) {
    if (prefix !== '' && trimmed.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  if (best !== undefined) return { type: 'call', prefix: best, after: trimmed.slice(best.length) };
  if (prefixes.some((prefix) => prefix.startsWith(trimmed))) return { type: 'pending' };
  return { type: 'not-a-call' };
}
