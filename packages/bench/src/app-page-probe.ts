import { END_OF_STREAM } from './markdown-stream-script.js';

/**
 * The bench's probe in the browser app's page, installed before the app's own script. Enter
 * (keydown, capture phase) starts a clock; a MutationObserver notes when a new assistant
 * message first holds text and when `END_OF_STREAM` arrives; each is "painted" once the frame
 * after it has run (requestAnimationFrame, then a task: the first task after that frame's
 * rendering). While armed for a stream it counts the frames that changed the page.
 * Plain JavaScript: it runs in Chromium, not in node.
 */
export const PAGE_PROBE = `(() => {
  const probe = { enterAt: null, textAt: null, paintedAt: null, endAt: null, endPaintedAt: null, frames: 0 };
  let baseline = 0, waitingText = false, waitingEnd = false, countFrames = false, framePending = false;
  const assistants = () => document.querySelectorAll('[data-testid="assistant-message"]');
  const afterPaint = (done) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { done(performance.now()); channel.port1.close(); };
    channel.port2.postMessage(null);
  });
  probe.armStream = () => { probe.frames = 0; probe.endAt = null; probe.endPaintedAt = null; countFrames = true; waitingEnd = true; };
  addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    probe.enterAt = performance.now(); probe.textAt = null; probe.paintedAt = null;
    baseline = assistants().length; waitingText = true;
  }, true);
  const observer = new MutationObserver((records) => {
    if (countFrames && !framePending) {
      framePending = true;
      requestAnimationFrame(() => { probe.frames += 1; framePending = false; });
    }
    if (waitingText) {
      const list = assistants();
      const latest = list[list.length - 1];
      if (list.length > baseline && latest !== undefined && latest.textContent.length > 0) {
        waitingText = false; probe.textAt = performance.now();
        afterPaint((at) => { probe.paintedAt = at; });
      }
    }
    if (waitingEnd) {
      for (const record of records) {
        if (![...record.addedNodes].some((node) => (node.textContent ?? '').includes(${JSON.stringify(END_OF_STREAM)}))) continue;
        waitingEnd = false; countFrames = false; probe.endAt = performance.now();
        afterPaint((at) => { probe.endPaintedAt = at; });
        break;
      }
    }
  });
  window.__sparkBench = probe;
  // The init script runs before the document has an element: the document itself is observed.
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();`;

/** What the probe has seen, as read back from the page (page.evaluate(READ_PROBE)). */
export interface ProbeState {
  enterAt: number | null;
  textAt: number | null;
  paintedAt: number | null;
  endAt: number | null;
  endPaintedAt: number | null;
  frames: number;
}

/** The expression that reads the probe's state. */
export const READ_PROBE = 'window.__sparkBench';

/** Parses what READ_PROBE returned (the page is foreign ground: nothing is taken on trust). */
export function parseProbeState(value: unknown): ProbeState {
  if (typeof value !== 'object' || value === null) throw new Error('the page has no bench probe');
  const record = value as Record<string, unknown>;
  const time = (key: string): number | null => {
    const field = record[key];
    if (field === null || typeof field === 'number') return field;
    throw new Error(`bench probe: ${key} is not a time`);
  };
  const frames = record['frames'];
  return {
    enterAt: time('enterAt'), textAt: time('textAt'), paintedAt: time('paintedAt'),
    endAt: time('endAt'), endPaintedAt: time('endPaintedAt'), frames: typeof frames === 'number' ? frames : 0,
  };
}
