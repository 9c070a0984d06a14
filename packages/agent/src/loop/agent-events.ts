import type { ApprovalDecision, ApprovalRequest } from '@spark/protocol';

// The event, op and snapshot shapes are wire formats: their schemas live in @spark/protocol
// (src/agent/) so a client in another process or a browser parses them with the same code.
export type {
  AgentEvent, AgentEventBody, AgentEventType, AgentOp, ApprovalDecision, ApprovalRequest, PendingApproval, ResponseStats, ThreadSnapshot, TurnStatus,
} from '@spark/protocol';

/**
 * Answers one approval request (the compatibility form: the agent emits `approval.requested`,
 * calls this, and submits its answer as the `approval` op). A UI that reads `events()` answers
 * with the op itself instead (`approve: 'op'`).
 */
export type ApprovalHandler = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalDecision>;
