/**
 * Threads a host keeps open at once (each holds an agent and a Responses connection). When full,
 * the least recently used idle thread with no client is closed first; if none can be, the
 * request is refused with `too_many_threads`.
 */
export const DEFAULT_MAX_OPEN_THREADS = 32;

/**
 * Events a thread keeps since its last idle snapshot, for clients that attach mid-turn. A turn
 * streams one event per token, so this is a long turn's worth; past it, attaching to that thread
 * is refused with `thread_log_full` until the turn ends (clients already attached see every event).
 */
export const DEFAULT_MAX_THREAD_LOG_EVENTS = 100_000;

/**
 * Bytes (estimated as JSON) of those events: tool results and patches can be large, so the count
 * alone does not bound memory. Past it, the same rule as for the count applies. Kept well under
 * `DEFAULT_MAX_CLIENT_BUFFERED_BYTES`, since an attach answer carries the whole log in one frame.
 */
export const DEFAULT_MAX_THREAD_LOG_BYTES = 16 * 1024 * 1024;

/** Largest frame a client may send; a bigger one closes its socket with 1009 (message too big). */
export const DEFAULT_HOST_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * Bytes the host may have queued for one client that is not reading. Past it, that client is
 * closed with 1008 (it re-attaches and gets the thread as a snapshot); other clients and the
 * turn go on.
 */
export const DEFAULT_MAX_CLIENT_BUFFERED_BYTES = 32 * 1024 * 1024;

/** Interval of host pings; a client that missed two pongs in a row is dropped. */
export const DEFAULT_HOST_PING_INTERVAL_MS = 15_000;

/**
 * Events the host packs at most into one `events` frame. Events a thread emits within one tick
 * (a burst of token deltas read from one network packet) go to each client as one frame: fewer
 * frames to write, and for the page fewer messages to parse and fewer tasks to run.
 */
export const DEFAULT_MAX_EVENTS_PER_FRAME = 256;

/** Requests one client may have in flight (an op, an attach...); more are refused with `too_many_requests`. */
export const DEFAULT_MAX_PENDING_REQUESTS = 64;

/** Threads `threads.list` returns at most (newest first). */
export const DEFAULT_MAX_LISTED_THREADS = 200;

/** Characters of the first user message kept as a thread's title. */
export const THREAD_TITLE_CHARS = 80;

/** Bytes of a session file read to find its title. */
export const TITLE_SCAN_BYTES = 64 * 1024;

/** How long `GET /v1/models` may take when the host lists models. */
export const MODELS_TIMEOUT_MS = 10_000;

/** How long closing the host waits for interrupted turns to end before it closes their connections anyway. */
export const DEFAULT_HOST_CLOSE_GRACE_MS = 5_000;
