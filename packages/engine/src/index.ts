export type {
  ConversationItem, JsonSchema, ToolSpec, ToolChoice, OutputFormat, SamplingOptions, GenerateRequest, GenerationPriority,
  FinishReason, DroppableField, Usage, Timings, EngineMetadata, GenerationState, EngineEvent, ModelInfo, EngineStats, PrefixCacheStats, Engine,
} from './engine-types.js';
export { EngineError } from './engine-error.js';
export type { EngineErrorCode } from './engine-error.js';
export { ScriptedEngine } from './scripted-engine.js';
export type { ScriptStep, ScriptedEngineOptions } from './scripted-engine.js';
export { ObservedEngine } from './observed-engine.js';
export type { GenerationObserver } from './observed-engine.js';
