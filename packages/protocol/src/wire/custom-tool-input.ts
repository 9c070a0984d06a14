/**
 * The text of a custom (freeform) tool call from what carried it: models generate custom tools as
 * `{"input": "..."}`, and a server that offered one as a function tool sends that JSON as its
 * arguments. Anything else (freeform text, partial arguments of an interrupted call) is the
 * input itself.
 */
export function customToolInput(text: string): string {
  return unwrapCustomToolInput(text) ?? text;
}

/** The `input` string of `{"input": "..."}`, or undefined when `text` is not that. */
export function unwrapCustomToolInput(text: string): string | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { input?: unknown }).input === 'string') return (parsed as { input: string }).input;
  } catch {
    // not JSON: freeform after all
  }
  return undefined;
}
