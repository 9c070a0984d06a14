import type { HistoryItem, PendingApproval } from '@spark/protocol';
import type { ApprovalEntry, PatchEntry, ToolEntry, TranscriptEntry } from './transcript-entry.js';

/** Name of the agent's patch tool: its calls are drawn as diffs. */
export const PATCH_TOOL = 'apply_patch';

/**
 * The transcript of a snapshot's history: user and assistant messages, tool calls with their
 * outputs folded in (matched by call id), patches. Developer messages (harness notes) are not
 * the user's conversation and are left out.
 */
export function historyEntries(history: readonly HistoryItem[], nextKey: () => string): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  const calls = new Map<string, number>();
  for (const item of history) {
    switch (item.type) {
      case 'message':
        if (item.role === 'user') entries.push({ kind: 'user', key: nextKey(), text: item.content });
        else if (item.role === 'assistant' && item.content !== '') {
          entries.push({ kind: 'assistant', key: nextKey(), responseId: null, text: item.content, streaming: false, partial: false, stop: null });
        }
        break;
      case 'function_call':
      case 'custom_tool_call': {
        const input = item.type === 'function_call' ? item.arguments : item.input;
        calls.set(item.call_id, entries.length);
        entries.push(callEntry(nextKey(), item.call_id, item.name, input));
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const index = calls.get(item.call_id);
        const entry = index === undefined ? undefined : entries[index];
        if (index === undefined || entry === undefined || (entry.kind !== 'tool' && entry.kind !== 'patch')) break;
        entries[index] = { ...entry, result: { ok: true, output: item.output, exitCode: null, durationMs: null } };
        break;
      }
    }
  }
  return entries;
}

/** A tool call's entry: a patch for `apply_patch`, a folded tool call otherwise. */
export function callEntry(key: string, callId: string, name: string, input: string): ToolEntry | PatchEntry {
  if (name === PATCH_TOOL) return { kind: 'patch', key, callId, patch: input, result: null, applied: null, undone: null };
  return { kind: 'tool', key, callId, name, input, live: '', result: null };
}

/** A pending approval of a snapshot as the transcript shows it. */
export function approvalEntry(key: string, approval: Pick<PendingApproval, 'request_id' | 'call_id' | 'summary' | 'reason' | 'request'>): ApprovalEntry {
  return {
    kind: 'approval', key, requestId: approval.request_id, callId: approval.call_id, summary: approval.summary, reason: approval.reason,
    request: approval.request, decision: null,
  };
}
