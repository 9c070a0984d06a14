// The limits the tool descriptions quote to the model. They live apart from the Node-only
// tool implementations so `tool-definitions.ts` imports no `node:` module.

/** Most lines one read_file call returns. */
export const DEFAULT_READ_MAX_LINES = 2000;
/** Most bytes of file text one read_file call returns. */
export const DEFAULT_READ_MAX_BYTES = 256 * 1024;
/** Levels list_dir shows when the model passes no depth (or 0). */
export const DEFAULT_LIST_DEPTH = 2;
/** Deepest level list_dir shows; deeper requests are clamped. */
export const MAX_LIST_DEPTH = 5;
/** Matches search returns when the model asks for no particular number. */
export const DEFAULT_SEARCH_MAX_RESULTS = 100;
/** Wall-clock limit of one shell command when the model asks for none. */
export const DEFAULT_SHELL_TIMEOUT_MS = 120_000;
/** Output kept per shell command (head and tail halves); the middle is replaced by a marker. */
export const DEFAULT_SHELL_OUTPUT_BYTES = 64 * 1024;
/**
 * Output of one shell command streamed to clients as it is printed (`tool_output.delta`); past
 * it the stream says so and the final result (head and tail) follows: a command that prints
 * megabytes must not flood every attached page.
 */
export const DEFAULT_SHELL_STREAMED_BYTES = 256 * 1024;
