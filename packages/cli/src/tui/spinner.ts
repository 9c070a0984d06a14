// A time-based spinner: the frame is a pure function of elapsed time, so redraws at any rate
// (or none) keep it moving at the same speed.

/** Braille dots, as most CLIs use. */
export const SPINNER_FRAMES: readonly string[] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Milliseconds each frame shows. */
export const SPINNER_INTERVAL_MS = 80;

/** The spinner glyph to show `elapsedMs` after it started. */
export function spinnerFrame(elapsedMs: number, frames: readonly string[] = SPINNER_FRAMES, intervalMs = SPINNER_INTERVAL_MS): string {
  if (frames.length === 0) return '';
  const index = Math.floor(Math.max(0, elapsedMs) / Math.max(1, intervalMs)) % frames.length;
  return frames[index] ?? '';
}
