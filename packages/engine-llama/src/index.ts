export { LlamaEngine } from './llama-engine.js';
export {
  DEFAULT_CONTEXT_SIZE, DEFAULT_SEQUENCES, MAX_SEQUENCES, DEFAULT_PREFILL_CHUNK_TOKENS, DEFAULT_MAX_QUEUED_REQUESTS, DEFAULT_MAX_DRAFT_TOKENS, MAX_VERIFY_BATCH_TOKENS, DEFAULT_SPECULATION_TOLERANCE,
} from './llama-engine-options.js';
export type { LlamaEngineOptions } from './llama-engine-options.js';
export { speculationAdvice } from './speculation-advice.js';
export type { SpeculationAdvice, SpeculationAdviceOptions } from './speculation-advice.js';
export { MIN_KV_COPY_TOKENS } from './pick-sequence-slot.js';
export type { KvCopy, KvCopyMethod } from './copy-sequence-prefix.js';
export { DEFAULT_MODEL_ALIAS, MODEL_CATALOG, findCatalogEntry } from './model-registry/catalog.js';
export type { CatalogEntry, ModelSource, PypiPart } from './model-registry/catalog.js';
export { batchLimitCacheFile, modelCacheDir, sparkCacheDir } from './model-registry/model-cache-dir.js';
export type { LocalModel } from './model-registry/local-model.js';
export { DEFAULT_PULL_TIMEOUTS } from './model-registry/pull-options.js';
export type { PullOptions, PullProgress, PullTimeouts } from './model-registry/pull-options.js';
export { pullModel } from './model-registry/pull-model.js';
export { listLocalModels } from './model-registry/list-local-models.js';
export type { ListLocalModelsOptions } from './model-registry/list-local-models.js';
export { removeModel } from './model-registry/remove-model.js';
export type { RemoveModelOptions } from './model-registry/remove-model.js';
export { resolveModel } from './model-registry/resolve-model.js';
export type { ResolveModelOptions } from './model-registry/resolve-model.js';
export { verifyGgufFile } from './model-registry/verify-gguf-file.js';
export { ModelRegistryError } from './model-registry/model-registry-error.js';
export type { ModelRegistryErrorCode } from './model-registry/model-registry-error.js';
