import type { GenerateRequest, GenerationObserver } from '@spark/engine';

/** What an `ObservedEngine` with `watchAborts()` saw. */
export interface AbortWatch {
  observer: GenerationObserver;
  /** Every request the engine received, in order. */
  requests: GenerateRequest[];
  /** Per aborted generation: the output tokens it still produced after its signal fired. */
  afterAbort: number[];
}

/** Records requests and, for each aborted generation, how many tokens followed the abort. */
export function watchAborts(): AbortWatch {
  const requests: GenerateRequest[] = [];
  const afterAbort: number[] = [];
  const late = new Map<GenerateRequest, number>();
  return {
    requests,
    afterAbort,
    observer: {
      onStart(request) {
        requests.push(request);
      },
      onEvent(request, event) {
        if (request.signal.aborted && (event.type === 'text-delta' || event.type === 'tool-call-delta')) late.set(request, (late.get(request) ?? 0) + 1);
      },
      onEnd(request) {
        if (request.signal.aborted) afterAbort.push(late.get(request) ?? 0);
        late.delete(request);
      },
    },
  };
}
