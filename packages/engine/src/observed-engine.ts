import type { Engine, EngineEvent, EngineStats, GenerateRequest, ModelInfo } from './engine-types.js';

/** Callbacks that watch each generation passing through an `ObservedEngine`. */
export interface GenerationObserver {
  /** A request handed to the inner engine (which may still reject it at its first event). */
  onStart?(request: GenerateRequest): void;
  /** Every event of a generation, in order, before the consumer sees it. */
  onEvent?(request: GenerateRequest, event: EngineEvent): void;
  /** Once per generation, however its stream ended (finished, broken off, failed). */
  onEnd?(request: GenerateRequest): void;
}

/**
 * Forwards everything to another engine and lets tests and benchmarks watch the generations,
 * e.g. count tokens produced after an abort or keep timings the wire does not carry. It keeps the
 * inner engine's name, so the generation states it passes on stay continuable.
 */
export class ObservedEngine implements Engine {
  constructor(readonly inner: Engine, private readonly observer: GenerationObserver) {}

  get name(): string { return this.inner.name; }
  listModels(): readonly ModelInfo[] { return this.inner.listModels(); }
  stats(): EngineStats { return this.inner.stats(); }
  dispose(): Promise<void> { return this.inner.dispose(); }
  endSession(session: string): void { this.inner.endSession?.(session); }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    const events = this.inner.generate(request);
    const { observer } = this;
    observer.onStart?.(request);
    return (async function* observe(): AsyncGenerator<EngineEvent> {
      try {
        for await (const event of events) {
          observer.onEvent?.(request, event);
          yield event;
        }
      } finally {
        observer.onEnd?.(request);
      }
    })();
  }
}
