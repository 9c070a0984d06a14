/** How much of an error body is read (its message is all that is kept). */
export const DEFAULT_CHAT_MAX_ERROR_BODY_BYTES = 64 * 1024;
