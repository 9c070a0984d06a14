export { ApiError, apiErrors } from './api-error.js';
export type { ApiErrorBody, ApiErrorType } from './api-error.js';
export { createResponseSchema, textFormatSchema, reasoningConfigSchema, predictionSchema, predictionText } from './create-response-schema.js';
export type { CreateResponseBody, TextFormat, Prediction } from './create-response-schema.js';
export {
  inputItemSchema, inputContentPartSchema, messageItemSchema, functionCallItemSchema,
  functionCallOutputItemSchema, customToolCallItemSchema, customToolCallOutputItemSchema,
  reasoningItemSchema, itemReferenceSchema, DROPPED_ITEM_TYPES,
} from './input-item-schema.js';
export type { InputItem, InputContentPart, MessageInputItem } from './input-item-schema.js';
export { userMessage, inputItems } from './user-message.js';
export type { UserMessageItem } from './user-message.js';
export { toolSchema, toolChoiceSchema, functionToolSchema, customToolSchema, HOSTED_TOOL_TYPES } from './tool-schema.js';
export type { Tool, ToolChoice, FunctionTool, CustomTool } from './tool-schema.js';
export type {
  ResponseObject, ResponseStatus, OutputItem, OutputMessageItem, OutputTextPart, FunctionCallOutputItem,
  CustomToolCallOutputItem, ReasoningOutputItem, ReasoningTextPart, Usage, ItemStatus, ResponseError,
} from './response-types.js';
export { isTerminal, STREAM_ID } from './stream-events.js';
export type { ResponseStreamEvent, ResponseStreamEventType, TerminalEventType } from './stream-events.js';
export { parseCreateResponse } from './parse-create-response.js';
export { findExcessNesting, nestsDeeperThan } from './json-nesting.js';
export { findTrailingLoop, LOOP_CHECK_EVERY_CHARS, LOOP_MIN_CHARS, LOOP_MIN_COPIES, LOOP_WINDOW_CHARS, LoopGuard } from './loop-guard.js';
export type { DetectedLoop } from './loop-guard.js';
export { MAX_JSON_DEPTH, MAX_SCHEMA_DEPTH, MAX_TOOLS, MAX_TOTAL_SCHEMA_CHARS } from './request-limits.js';
export { fastApplyRequest, FAST_APPLY_INSTRUCTIONS } from './fast-apply-request.js';
export type { FastApplyInput } from './fast-apply-request.js';
// The agent's queue pair (issue 22): ops in, events out, a snapshot for late clients.
export { historyItemSchema } from './agent/history-item-schema.js';
export type { HistoryItem } from './agent/history-item-schema.js';
export {
  agentEventSchema, agentEventEnvelopeSchema, approvalDecisionSchema, approvalRequestSchema, responseStatsSchema, turnStatusSchema, eventBody,
} from './agent/agent-event-schema.js';
export type {
  AgentEvent, AgentEventBody, AgentEventEnvelope, AgentEventType, ApprovalDecision, ApprovalRequest, ResponseStats, TurnStatus,
} from './agent/agent-event-schema.js';
export { agentOpSchema, parseAgentOp, AgentOpError, MAX_OP_TEXT_CHARS } from './agent/agent-op-schema.js';
export type { AgentOp, AgentOpType } from './agent/agent-op-schema.js';
export { threadSnapshotSchema } from './agent/thread-snapshot-schema.js';
export type { ThreadSnapshot, PendingApproval } from './agent/thread-snapshot-schema.js';
