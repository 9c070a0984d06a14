import type { HistoryItem } from '../history/history-item.js';

/** How a user turn ended. */
/** How a turn ended; `repetition`: the loop guard stopped a model that repeated itself (text, or the same call). */
export type TurnStatus = 'completed' | 'interrupted' | 'failed' | 'max_steps' | 'repetition';

/** Per-response numbers, as the client measured them and the server reported them. */
export interface ResponseStats {
  response_id: string;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  /** From sending the request to the first streamed delta (text or tool input); null without output. */
  ttft_ms: number | null;
  /** Output tokens per second of streaming, from the first delta to the end; null when too short to tell. */
  tokens_per_second: number | null;
  transport: 'websocket' | 'http';
  /** Items sent in this request: only new ones on a warm WebSocket chain, all of them otherwise. */
  input_items_sent: number;
}

/**
 * Everything the agent reports, one flat union: the TUI renders it, `spark exec --json` prints
 * it as JSONL. Field names are snake_case because they are a wire format.
 */
export type AgentEvent =
  | { type: 'turn.started'; turn: number; input: string }
  | { type: 'response.started'; response_id: string }
  | { type: 'text.delta'; response_id: string; delta: string }
  | { type: 'tool_input.delta'; response_id: string; call_id: string; delta: string }
  | { type: 'message'; text: string; partial: boolean }
  | { type: 'tool_call'; call_id: string; name: string; input: string }
  | { type: 'approval.requested'; call_id: string; kind: 'shell' | 'patch'; summary: string; reason: string }
  | { type: 'approval.decided'; call_id: string; decision: ApprovalDecision }
  | { type: 'tool_result'; call_id: string; name: string; ok: boolean; output: string; exit_code?: number | null; duration_ms: number }
  | { type: 'patch.applied'; call_id: string; changes: Array<{ kind: 'A' | 'M' | 'D'; path: string }> }
  | { type: 'patch.undone'; call_id: string; restored: string[] }
  | { type: 'file.reread'; path: string; deleted: boolean }
  | { type: 'steer.sent'; text: string; response_id: string }
  | { type: 'steer.applied'; text: string; how: 'successor' | 'with_tool_results' | 'next_request' }
  | { type: 'queue.changed'; queued: string[] }
  | { type: 'compaction'; kind: 'prune' | 'summary'; tokens_before: number; tokens_after: number }
  | { type: 'response.completed'; stats: ResponseStats; status: string }
  | { type: 'warning'; code: string; message: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'turn.completed'; turn: number; status: TurnStatus; final_message: string; steps: number }
  | { type: 'history.replaced'; items: HistoryItem[] };

/** The user's answer to an approval request; 'session' also approves the same kind for the rest of the session. */
export type ApprovalDecision = 'approve' | 'approve_session' | 'deny';

/** What the harness asks the user to approve. */
export type ApprovalRequest =
  | { kind: 'shell'; call_id: string; command: string; reason: string; classes: string[] }
  | { kind: 'patch'; call_id: string; patch: string; paths: string[]; reason: string };

export type ApprovalHandler = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalDecision>;
