import type { PendingApproval } from '@spark/protocol';
import { AgentError } from './agent-error.js';
import type { AgentEvent, AgentEventBody, ApprovalDecision, ApprovalHandler, ApprovalRequest } from './agent-events.js';

/** Who answers approval requests: a UI by op, a handler (its answer goes in as the op), or nobody (denied at once). */
export type ApprovalAnswerer = 'op' | ApprovalHandler | undefined;

/**
 * Approval requests as requests with ids: each emits `approval.requested` and waits for the
 * `approval` op with its id (or the turn's abort, which denies); every answer emits
 * `approval.decided`. The ones waiting are part of the thread snapshot.
 */
export class PendingApprovals {
  private count = 0;
  private readonly waiting = new Map<string, { event: PendingApproval; settle: (decision: ApprovalDecision) => void }>();

  constructor(private readonly emit: (body: AgentEventBody) => AgentEvent, private readonly answerer: ApprovalAnswerer) {}

  /** The tool runner's approval handler. */
  readonly ask = (request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> => {
    this.count += 1;
    const requestId = `approval-${this.count}`;
    const summary = request.kind === 'shell' ? request.command : `edit ${request.paths.join(', ')}`;
    const emitted = this.emit({ type: 'approval.requested', request_id: requestId, call_id: request.call_id, kind: request.kind, summary, reason: request.reason, request });
    return new Promise((resolve) => {
      const onAbort = (): void => settle('deny');
      const settle = (decision: ApprovalDecision): void => {
        if (!this.waiting.delete(requestId)) return;
        signal.removeEventListener('abort', onAbort);
        this.emit({ type: 'approval.decided', request_id: requestId, call_id: request.call_id, decision });
        resolve(decision);
      };
      const { thread_id: _thread, type: _type, ...event } = emitted as Extract<AgentEvent, { type: 'approval.requested' }>;
      this.waiting.set(requestId, { event, settle });
      if (signal.aborted || this.answerer === undefined) { settle('deny'); return; }
      signal.addEventListener('abort', onAbort, { once: true });
      if (typeof this.answerer === 'function') {
        this.answerer(request, signal).then((decision) => settle(decision), () => settle('deny'));
      }
    });
  };

  /** The `approval` op. */
  decide(requestId: string, decision: ApprovalDecision): void {
    const entry = this.waiting.get(requestId);
    if (entry === undefined) throw new AgentError('unknown_approval', `No approval request ${requestId} is waiting (answered already, or the turn ended).`);
    entry.settle(decision);
  }

  get pending(): PendingApproval[] {
    return [...this.waiting.values()].map((entry) => entry.event);
  }
}
