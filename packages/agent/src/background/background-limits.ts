/** Background agents that may run at once per foreground thread; starting one more is refused. */
export const DEFAULT_MAX_BACKGROUND_AGENTS = 3;

/** Model requests one background task may make before it is stopped (`max_steps`). */
export const DEFAULT_BACKGROUND_MAX_STEPS = 40;

/**
 * Tokens (prompt plus output, summed over its responses) one background task may spend before
 * it is stopped: a runaway agent must not hold the engine forever.
 */
export const DEFAULT_BACKGROUND_MAX_TOKENS = 2_000_000;

/** How long the `wait_agent` tool waits when the model names no timeout (Codex's default). */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

/** Longest wait the model may ask for: the foreground must come back to the user. */
export const MAX_WAIT_TIMEOUT_MS = 300_000;

/** Files of a workspace outside git that a background agent's copy may hold. */
export const MAX_SHADOW_FILES = 20_000;

/** Bytes of a workspace outside git that a background agent's copy may hold. */
export const MAX_SHADOW_BYTES = 512 * 1024 * 1024;

/**
 * How long a background agent's answer text is gathered before it goes out as one
 * `background.delta` event: watchers see it live, at a few events a second rather than one per token.
 */
export const DEFAULT_BACKGROUND_DELTA_INTERVAL_MS = 100;

/** Characters of a background tool's output its `background.tool` event carries (the model sees all of it). */
export const BACKGROUND_TOOL_OUTPUT_PREVIEW_CHARS = 400;
