/**
 * The text of a custom (freeform) tool call from the function-call arguments that carried it:
 * Chat Completions servers have no freeform tools, so a custom tool is offered there as a
 * function taking one string (`render-chat-messages.ts`) and comes back as `{"input": "..."}`.
 * This is the one place Spark unwraps that. Anything else (freeform text after all, partial
 * arguments of an interrupted call) is the input itself.
 */
export function customToolInput(text: string): string {
  return unwrapCustomToolInput(text) ?? text;
}

/** The `input` string of `{"input": "..."}`, or undefined when `text` is not that. */
function unwrapCustomToolInput(text: string): string | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { input?: unknown }).input === 'string') return (parsed as { input: string }).input;
  } catch {
    // not JSON: freeform after all
  }
  return undefined;
}
