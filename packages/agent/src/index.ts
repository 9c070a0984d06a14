// The coding agent (issue 4): tools, policy, context and sessions. Built up piece by piece.
// The patch logic lives in @spark/protocol (runtime-neutral, shared with the editor); re-exported for the agent's users.
export { parsePatch, hunkOldLines, hunkNewLines, seekSequence, foldPunctuation, applyPatch, normalizePatchPath, undoPatch, bestCandidateExcerpt, DEFAULT_EXCERPT_LIMITS, PatchError, MemoryPatchFileSystem } from '@spark/protocol';
export type { PatchOperation, AddFileOperation, DeleteFileOperation, UpdateFileOperation, Hunk, HunkLine, MatchRung, SeekResult, SeekOptions, ApplyPatchResult, ApplyPatchOptions, FileChange, Snapshot, ExcerptLimits, PatchErrorCode, PatchErrorDetails, PatchFileSystem } from '@spark/protocol';
export { fastApplyTarget, DEFAULT_FAST_APPLY_MIN_SHARE, ELIDED_CODE } from './apply-patch/fast-apply-target.js';
export type { FastApplyTarget } from './apply-patch/fast-apply-target.js';
// NodePatchFileSystem imports node:fs, so it lives behind the "@spark/agent/node-patch-file-system" subpath.
export { splitShellCommand, MAX_NESTING_DEPTH, MAX_WRAPPERS, SUBSTITUTION_PLACEHOLDER } from './policy/split-shell-command.js';
export type { SimpleCommand, ShellCommandSplit } from './policy/split-shell-command.js';
export { classifyCommand, classifySimpleCommand } from './policy/classify-command.js';
export { COMMAND_RULES, SCRIPT_RULES, WRAPPERS, SHELLS, MODULE_RUNNERS, NON_WRITING_TARGETS } from './policy/command-table.js';
export type { CommandClass, CommandRule, FlagRule, WrapperRule } from './policy/command-table.js';
export { decideCommand } from './policy/decide-command.js';
export type { ApprovalMode, CommandPolicy, CommandDecision } from './policy/decide-command.js';
// Workspace tools.
export { resolveWorkspacePath } from './tools/resolve-workspace-path.js';
export type { WorkspacePath } from './tools/resolve-workspace-path.js';
export { readWorkspaceFile, formatReadResult } from './tools/read-file.js';
export { listWorkspaceDir } from './tools/list-dir.js';
export { searchWorkspace, formatSearchResult } from './tools/search.js';
export { runShell, formatShellResult } from './tools/run-shell.js';
export { bubblewrapArgs, SANDBOX_TMPDIR } from './sandbox/bubblewrap-args.js';
export type { BubblewrapSpec } from './sandbox/bubblewrap-args.js';
export { probeBubblewrap, BUBBLEWRAP_PROBE_TIMEOUT_MS } from './sandbox/probe-bubblewrap.js';
export type { BubblewrapProbe } from './sandbox/probe-bubblewrap.js';
export { resolveShellConfinement, describeShellConfinement, SANDBOX_SETTINGS } from './sandbox/shell-confinement.js';
export type { SandboxSetting, ShellConfinement, ConfinementInput } from './sandbox/shell-confinement.js';
export type { RunShellOptions, RunShellResult } from './tools/run-shell.js';
export { ToolError } from './tools/tool-error.js';
export {
  DEFAULT_READ_MAX_LINES, DEFAULT_READ_MAX_BYTES, DEFAULT_LIST_DEPTH, MAX_LIST_DEPTH, DEFAULT_SEARCH_MAX_RESULTS,
  DEFAULT_SHELL_TIMEOUT_MS, DEFAULT_SHELL_OUTPUT_BYTES, DEFAULT_SHELL_STREAMED_BYTES,
} from './tools/tool-limits.js';
export {
  READ_FILE_TOOL, LIST_DIR_TOOL, SEARCH_TOOL, SHELL_TOOL, APPLY_PATCH_TOOL, APPLY_PATCH_LARK_GRAMMAR, APPLY_PATCH_INSTRUCTIONS, WORKSPACE_TOOLS,
} from './tools/tool-definitions.js';
export type { AgentToolDefinition } from './tools/tool-definitions.js';
export { BASE_SYSTEM_PROMPT, buildSystemPrompt } from './tools/system-prompt.js';
// History, context, sessions.
export type { HistoryItem, ToolCallItem, ToolOutputItem } from './history/history-item.js';
export { historyFromOutput, userMessage } from './history/history-item.js';
export { ContextBudget, DEFAULT_OUTPUT_RESERVE_TOKENS, DEFAULT_COMPACT_AT, DEFAULT_COMPACT_TO } from './context/context-budget.js';
export { pruneToolOutputs } from './context/prune-tool-outputs.js';
export { splitForCompaction, renderTranscript, summaryMessage, SUMMARY_PREFIX } from './context/compact-history.js';
export { FileTracker } from './context/file-tracker.js';
export { loadProjectInstructions, AGENTS_FILE } from './context/agents-md.js';
export { buildInstructions } from './context/build-instructions.js';
export { Session, SessionError, listSessions, defaultSessionDir, replaySessionFile } from './session/session-store.js';
export type { SessionState, UndoEntry } from './session/session-store.js';
// The loop.
export { Agent, DEFAULT_MAX_STEPS_PER_TURN, SUMMARY_MAX_OUTPUT_TOKENS } from './loop/agent.js';
export type { AgentOptions } from './loop/agent.js';
export { runTurns, submitAndCollect } from './loop/agent-handle.js';
export type { AgentHandle } from './loop/agent-handle.js';
export { DEFAULT_MAX_UNREAD_EVENTS } from './loop/thread-events.js';
export { MIN_RATE_WINDOW_MS } from './loop/response-accumulator.js';
export { AgentError } from './loop/agent-error.js';
export type {
  AgentEvent, AgentEventBody, AgentEventType, AgentOp, ApprovalDecision, ApprovalHandler, ApprovalRequest, PendingApproval, ResponseStats,
  ThreadSnapshot, TurnStatus,
} from './loop/agent-events.js';
export { asksForTests } from './loop/asks-for-tests.js';
export { openAgent, FALLBACK_CONTEXT_WINDOW } from './loop/open-agent.js';
export type { OpenAgentOptions, OpenedAgent } from './loop/open-agent.js';
// Dual mode: background agents in their own worktrees, on their own lanes.
export { BackgroundAgents, defaultWorktreeDir } from './background/background-agents.js';
export type { BackgroundSettings, BackgroundTask } from './background/background-agents.js';
export {
  DEFAULT_MAX_BACKGROUND_AGENTS, DEFAULT_BACKGROUND_MAX_STEPS, DEFAULT_BACKGROUND_MAX_TOKENS, DEFAULT_WAIT_TIMEOUT_MS, MAX_WAIT_TIMEOUT_MS,
  MAX_SHADOW_FILES, MAX_SHADOW_BYTES, DEFAULT_BACKGROUND_DELTA_INTERVAL_MS, BACKGROUND_TOOL_OUTPUT_PREVIEW_CHARS,
} from './background/background-limits.js';
export { DELEGATION_TOOLS, DELEGATION_PROMPT } from './background/delegation-tools.js';
export { unifiedDiffToPatch } from './background/worktree-patch.js';
export { BACKGROUND_AGENT_NOTE } from './loop/open-agent.js';
