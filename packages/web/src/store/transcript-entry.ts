import type { ApprovalDecision, ApprovalRequest } from '@spark/protocol';

/**
 * One row of the transcript as the app draws it. Entries are immutable: a change replaces the
 * entry object, so a component memoised on its entry re-renders only when that entry changed
 * (while a long answer streams, only its own message re-renders).
 */
export type TranscriptEntry =
  | UserEntry
  | AssistantEntry
  | ToolEntry
  | PatchEntry
  | ApprovalEntry
  | SteerEntry
  | NoticeEntry;

interface EntryBase {
  /** Stable within a store's life: the key the transcript renders by. */
  readonly key: string;
}

export interface UserEntry extends EntryBase {
  readonly kind: 'user';
  readonly text: string;
}

export interface AssistantEntry extends EntryBase {
  readonly kind: 'assistant';
  readonly responseId: string | null;
  readonly text: string;
  /** Tokens still arrive. */
  readonly streaming: boolean;
  /** Stopped before its end (interrupt, steer over HTTP, the output-token limit): the partial answer stays. */
  readonly partial: boolean;
  /**
   * Why a partial answer stopped: `length` (the response ended incomplete and the turn was not
   * interrupted: the output-token limit), `stopped` (interrupted, steered), `pending` (ended
   * incomplete, the turn's end has not said why yet); null for a whole answer.
   */
  readonly stop: 'stopped' | 'length' | 'pending' | null;
}

/** A tool call (`read_file`, `shell`, ...), its output folded under it. */
export interface ToolEntry extends EntryBase {
  readonly kind: 'tool';
  readonly callId: string;
  readonly name: string;
  /** The call's arguments as the model wrote them (JSON for function tools). */
  readonly input: string;
  /** A command's output as it streams, until its result arrives (the last `MAX_LIVE_OUTPUT_CHARS`). */
  readonly live: string;
  readonly result: ToolResult | null;
}

/** Streamed command output kept per running call: the page shows its tail; the result holds what counts. */
export const MAX_LIVE_OUTPUT_CHARS = 64 * 1024;

export interface ToolResult {
  readonly ok: boolean;
  readonly output: string;
  readonly exitCode: number | null;
  readonly durationMs: number | null;
}

/** An `apply_patch` call: the patch drawn as per-file diffs, then what it changed. */
export interface PatchEntry extends EntryBase {
  readonly kind: 'patch';
  readonly callId: string;
  /** The patch text (the `*** Begin Patch` envelope). */
  readonly patch: string;
  readonly result: ToolResult | null;
  readonly applied: readonly { kind: 'A' | 'M' | 'D'; path: string }[] | null;
  /** Files restored by an `undo` of this patch; null while it stands. */
  readonly undone: readonly string[] | null;
}

export interface ApprovalEntry extends EntryBase {
  readonly kind: 'approval';
  readonly requestId: string;
  readonly callId: string;
  readonly summary: string;
  readonly reason: string;
  readonly request: ApprovalRequest;
  /** null while pending; set when any client answered (or the turn stopped, which denies). */
  readonly decision: ApprovalDecision | null;
}

export interface SteerEntry extends EntryBase {
  readonly kind: 'steer';
  readonly text: string;
  /** `sent`: on its way to the model; `applied`: the model has it. */
  readonly state: 'sent' | 'applied';
}

/** Warnings, errors, turn endings other than `completed`, compaction and file notes. */
export interface NoticeEntry extends EntryBase {
  readonly kind: 'notice';
  readonly level: 'info' | 'warning' | 'error';
  readonly text: string;
}
