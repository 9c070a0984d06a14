import type { Engine, EngineEvent, EngineMetadata, EngineStats, GenerateRequest, ModelInfo, Timings, Usage } from '@spark/engine';

/** What a tap saw of one generation. */
export interface TappedGeneration {
  request: GenerateRequest;
  /** `performance.now()` when the generation was asked for. */
  startedAt: number;
  /** When the engine produced the first part of a tool call (its start), if any. */
  firstCallAt?: number;
  usage?: Usage;
  timings?: Timings;
  metadata?: EngineMetadata;
}

/** Draft figures of one generation, as the embedded engine reports them in its metadata. */
export interface DraftFigures {
  steps: number;
  drafted: number;
  accepted: number;
}

/**
 * Reads the embedded engine's speculation figures (`metadata.llama.speculation`) without
 * trusting their shape: the bench runs against engines that may report more, less or nothing.
 */
export function draftFigures(metadata: EngineMetadata | undefined): DraftFigures | undefined {
  const spec = metadata?.['llama']?.['speculation'];
  if (typeof spec !== 'object' || spec === null) return undefined;
  const field = (name: string): number => {
    const value = (spec as Record<string, unknown>)[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  return { steps: field('steps'), drafted: field('draftedTokens'), accepted: field('acceptedTokens') };
}

/**
 * An engine that passes everything through and remembers each generation's usage, timings and
 * metadata, which the Responses API does not carry (draft counts), so a bench can drive the
 * real server and agent and still read them.
 */
export class TappedEngine implements Engine {
  readonly generations: TappedGeneration[] = [];

  constructor(private readonly inner: Engine) {}

  get name(): string {
    return this.inner.name;
  }

  listModels(): readonly ModelInfo[] {
    return this.inner.listModels();
  }

  generate(request: GenerateRequest): AsyncIterable<EngineEvent> {
    const seen: TappedGeneration = { request, startedAt: performance.now() };
    this.generations.push(seen);
    const events = this.inner.generate(request);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of events) {
          if (event.type === 'tool-call-start' && seen.firstCallAt === undefined) seen.firstCallAt = performance.now();
          if (event.type === 'finish') {
            seen.usage = event.usage;
            if (event.timings !== undefined) seen.timings = event.timings;
            if (event.metadata !== undefined) seen.metadata = event.metadata;
          }
          yield event;
        }
      },
    };
  }

  stats(): EngineStats {
    return this.inner.stats();
  }

  endSession(session: string): void {
    this.inner.endSession?.(session);
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}
