import type { Engine, ModelInfo } from '@spark/engine';

/** Finds the engine serving a model id; a later issue routes over several engines. */
export interface EngineResolver {
  engineFor(model: string): Engine | undefined;
  /** Every model id any engine serves, in engine order. */
  listModels(): ModelInfo[];
  engines(): readonly Engine[];
}

/** Resolves over a fixed list of engines; the first engine listing a model id wins. */
export function createEngineResolver(engines: readonly Engine[]): EngineResolver {
  return {
    engineFor: (model) => engines.find((engine) => engine.listModels().some((info) => info.id === model)),
    listModels: () => {
      const seen = new Set<string>();
      const models: ModelInfo[] = [];
      for (const engine of engines) {
        for (const info of engine.listModels()) {
          if (seen.has(info.id)) continue;
          seen.add(info.id);
          models.push(info);
        }
      }
      return models;
    },
    engines: () => engines,
  };
}
