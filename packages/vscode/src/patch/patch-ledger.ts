import type { AgentEvent, HistoryItem, ThreadSnapshot } from '@spark/protocol';
import type { AppliedChange } from './patch-file-texts.js';

/** Name of the agent's patch tool. */
export const PATCH_TOOL = 'apply_patch';
/** Patch texts the ledger keeps (oldest dropped first): a long thread must not grow the extension host without bound. */
export const MAX_LEDGER_PATCHES = 200;

/** A patch the agent applied: its thread, call, text (when seen) and the files it changed. */
export interface AppliedPatch {
  readonly threadId: string;
  readonly callId: string;
  readonly patch: string | undefined;
  readonly changes: readonly AppliedChange[];
}

/**
 * What the extension knows of the agent's patches from the host's relayed frames: each
 * `apply_patch` call's text (from history, tool calls, approval requests) and, per thread,
 * the patches `undo` can still restore (last one first), as the snapshot's `undoable` list
 * and `patch.applied` / `patch.undone` events say.
 */
export class PatchLedger {
  private readonly patches = new Map<string, string>();
  private readonly standing = new Map<string, string[]>();

  /** A thread's snapshot (attach, start, fork): its history's patch calls and its undo list. */
  load(snapshot: ThreadSnapshot): void {
    for (const item of snapshot.history) {
      const call = patchCall(item);
      if (call !== undefined) this.remember(call.callId, call.patch);
    }
    if (snapshot.undoable !== undefined) this.standing.set(snapshot.thread_id, snapshot.undoable.map((patch) => patch.call_id));
  }

  /** One event of an attached thread; returns the patch when it is one the agent just applied. */
  apply(event: AgentEvent): AppliedPatch | undefined {
    switch (event.type) {
      case 'tool_call':
        if (event.name === PATCH_TOOL) this.remember(event.call_id, event.input);
        return undefined;
      case 'approval.requested':
        if (event.request.kind === 'patch') this.remember(event.call_id, event.request.patch);
        return undefined;
      case 'patch.applied': {
        const list = this.standing.get(event.thread_id) ?? [];
        this.standing.set(event.thread_id, [...list.filter((id) => id !== event.call_id), event.call_id]);
        return { threadId: event.thread_id, callId: event.call_id, patch: this.patches.get(event.call_id), changes: event.changes };
      }
      case 'patch.undone':
        this.standing.set(event.thread_id, (this.standing.get(event.thread_id) ?? []).filter((id) => id !== event.call_id));
        return undefined;
      default:
        return undefined;
    }
  }

  /** Whether the agent's `undo` op on the thread would restore this patch (it restores the last one only). */
  isUndoable(threadId: string, callId: string): boolean {
    return this.standing.get(threadId)?.at(-1) === callId;
  }

  private remember(callId: string, patch: string): void {
    this.patches.delete(callId);
    this.patches.set(callId, patch);
    while (this.patches.size > MAX_LEDGER_PATCHES) {
      const oldest = this.patches.keys().next().value;
      if (oldest === undefined) break;
      this.patches.delete(oldest);
    }
  }
}

function patchCall(item: HistoryItem): { callId: string; patch: string } | undefined {
  if (item.type === 'custom_tool_call' && item.name === PATCH_TOOL) return { callId: item.call_id, patch: item.input };
  if (item.type === 'function_call' && item.name === PATCH_TOOL) {
    const patch = functionPatchArgument(item.arguments);
    return patch === undefined ? undefined : { callId: item.call_id, patch };
  }
  return undefined;
}

/** A function-tool apply_patch (a server without freeform tools) carries its patch as `{"input": "..."}`. */
function functionPatchArgument(args: string): string | undefined {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'input' in parsed && typeof parsed.input === 'string') return parsed.input;
  } catch {
    // Not JSON: not a patch call this ledger can read.
  }
  return undefined;
}
