export { ApiError, apiErrors } from './api-error.js';
export type { ApiErrorBody, ApiErrorType } from './api-error.js';
export { createResponseSchema, textFormatSchema, reasoningConfigSchema, predictionSchema, predictionText, prioritySchema, RESPONSE_PRIORITIES } from './create-response-schema.js';
export type { CreateResponseBody, TextFormat, Prediction, ResponsePriority } from './create-response-schema.js';
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
// The wire: every shape a server and a client exchange, as schemas with their types inferred.
export {
  RESPONSE_STATUSES, OUTPUT_ITEM_TYPES, responseStatusSchema, itemStatusSchema, outputTextPartSchema, refusalPartSchema, outputMessageSchema,
  outputFunctionCallSchema, outputCustomToolCallSchema, outputReasoningSchema, reasoningTextPartSchema, outputItemSchema, usageSchema, responseErrorSchema,
  responseObjectSchema,
} from './wire/response-object-schema.js';
export type {
  ResponseObject, ResponseStatus, OutputItem, OutputMessageItem, OutputTextPart, RefusalPart, FunctionCallOutputItem,
  CustomToolCallOutputItem, ReasoningOutputItem, ReasoningTextPart, Usage, ItemStatus, ResponseError,
} from './wire/response-object-schema.js';
export { isTerminal, responseStreamEventSchema } from './wire/stream-event-schema.js';
export type { ReasoningSummaryTextDeltaEvent, ResponseStreamEvent, ResponseStreamEventType, TerminalEventType } from './wire/stream-event-schema.js';
export {
  STREAM_ID, INVALID_STREAM_ID_MESSAGE, CLIENT_EVENT_TYPES, STEER_ERROR_CODES, streamIdSchema, responseCreateFrameSchema, steerInputSchema,
  responseSteerFrameSchema, responseCancelFrameSchema, errorFrameSchema, steerRefSchema, requiredInputStubSchema, steerAcceptedFrameSchema,
  steerPendingFrameSchema, steerFailedFrameSchema,
} from './wire/ws-frame-schema.js';
export type {
  ResponseCreateFrame, ResponseSteerFrame, ResponseCancelFrame, ClientFrameMessage, LaneEventFrame, ErrorFrame, SteerErrorCode, SteerRef,
  RequiredInputStub, SteerAcceptedFrame, SteerPendingFrame, SteerFailedFrame, SteerFrame,
} from './wire/ws-frame-schema.js';
export { parseClientFrame } from './wire/parse-client-frame.js';
export type { ClientFrame } from './wire/parse-client-frame.js';
export { readServerMessage } from './wire/read-server-message.js';
export type { ReadableServerEvent, ServerMessageReading, ServerErrorFields } from './wire/read-server-message.js';
export { parseCreateResponse, issueToApiError } from './parse-create-response.js';
export { findExcessNesting, nestsDeeperThan } from './json-nesting.js';
export { findTrailingLoop, LOOP_CHECK_EVERY_CHARS, LOOP_MIN_CHARS, LOOP_MIN_COPIES, LOOP_WINDOW_CHARS, LoopGuard } from './loop-guard.js';
export type { DetectedLoop } from './loop-guard.js';
export { MAX_JSON_DEPTH, MAX_SCHEMA_DEPTH, MAX_TOOLS, MAX_TOTAL_SCHEMA_CHARS } from './request-limits.js';
export { fastApplyRequest, FAST_APPLY_INSTRUCTIONS } from './fast-apply-request.js';
export type { FastApplyInput } from './fast-apply-request.js';
// apply_patch (Codex's envelope): parse, seek, apply through a file-system interface, undo; runtime-neutral.
export { parsePatch, hunkOldLines, hunkNewLines } from './patch/parse-patch.js';
export { APPLY_PATCH_LARK_GRAMMAR } from './patch/apply-patch-grammar.js';
export type { PatchOperation, AddFileOperation, DeleteFileOperation, UpdateFileOperation, Hunk, HunkLine } from './patch/parse-patch.js';
export { seekSequence, foldPunctuation } from './patch/seek-sequence.js';
export type { MatchRung, SeekResult, SeekOptions } from './patch/seek-sequence.js';
export { applyPatch, applyHunks, fileLines, normalizePatchPath } from './patch/apply-patch.js';
export { locateHunk } from './patch/locate-hunk.js';
export type { HunkPlacement, HunkLocation, HunkLabel } from './patch/locate-hunk.js';
export type { ApplyPatchResult, ApplyPatchOptions, FileChange, Snapshot } from './patch/apply-patch.js';
export { undoPatch } from './patch/undo-patch.js';
export { unapplyHunks } from './patch/unapply-hunks.js';
export { PatchStreamParser } from './patch/patch-stream-parser.js';
export type { PatchStreamPart } from './patch/patch-stream-parser.js';
export { bestCandidateExcerpt, DEFAULT_EXCERPT_LIMITS } from './patch/best-candidate-excerpt.js';
export type { ExcerptLimits } from './patch/best-candidate-excerpt.js';
export { PatchError } from './patch/patch-error.js';
export type { PatchErrorCode, PatchErrorDetails } from './patch/patch-error.js';
export type { PatchFileSystem } from './patch/patch-file-system.js';
export { MemoryPatchFileSystem } from './patch/memory-patch-file-system.js';
// The agent's queue pair (issue 22): ops in, events out, a snapshot for late clients.
export { historyItemSchema } from './agent/history-item-schema.js';
export type { HistoryItem } from './agent/history-item-schema.js';
export {
  agentEventSchema, agentEventEnvelopeSchema, approvalDecisionSchema, approvalRequestSchema, responseStatsSchema, turnStatusSchema, eventBody,
  backgroundRoleSchema, backgroundStatusSchema, backgroundAgentInfoSchema,
} from './agent/agent-event-schema.js';
export type {
  AgentEvent, AgentEventBody, AgentEventEnvelope, AgentEventType, ApprovalDecision, ApprovalRequest, ResponseStats, TurnStatus,
  BackgroundRole, BackgroundStatus, BackgroundAgentInfo,
} from './agent/agent-event-schema.js';
export { agentOpSchema, parseAgentOp, AgentOpError, MAX_OP_TEXT_CHARS, MAX_BACKGROUND_SCOPE_FILES } from './agent/agent-op-schema.js';
export type { AgentOp, AgentOpType } from './agent/agent-op-schema.js';
export { threadSnapshotSchema } from './agent/thread-snapshot-schema.js';
export type { ThreadSnapshot, PendingApproval, UndoablePatch } from './agent/thread-snapshot-schema.js';
// Chat Completions: what Spark serves at /v1/chat/completions and sends to Chat Completions upstreams.
export {
  chatTextPartSchema, chatMediaPartSchema, chatRefusalPartSchema, chatToolCallSchema, chatSystemMessageSchema, chatUserMessageSchema,
  chatAssistantMessageSchema, chatToolMessageSchema, chatMessageSchema, chatFunctionToolSchema, chatToolChoiceSchema,
  chatResponseFormatSchema, chatCompletionRequestSchema, chatContentText,
} from './chat/chat-request-schema.js';
export type {
  ChatTextPart, ChatToolCall, ChatMessage, ChatFunctionTool, ChatToolChoice, ChatResponseFormat, ChatCompletionRequest, ChatCompletionBody,
} from './chat/chat-request-schema.js';
export { parseSimpleChatRequest } from './chat/simple-chat-request.js';
export {
  CHAT_FINISH_REASONS, chatFinishReasonSchema, chatUsageSchema, chatCompletionMessageSchema, chatCompletionSchema, chatToolCallDeltaSchema,
  chatCompletionChunkSchema, chatErrorBodySchema, chatErrorMessage,
} from './chat/chat-response-schema.js';
export type {
  ChatFinishReason, ChatUsage, ChatCompletion, ChatToolCallDelta, ChatCompletionChunk, ChatErrorBody,
} from './chat/chat-response-schema.js';
