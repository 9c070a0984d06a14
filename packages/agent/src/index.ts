// The coding agent (issue 4): tools, policy, context and sessions. Built up piece by piece.
export { parsePatch, hunkOldLines, hunkNewLines } from './apply-patch/parse-patch.js';
export type { PatchOperation, AddFileOperation, DeleteFileOperation, UpdateFileOperation, Hunk, HunkLine } from './apply-patch/parse-patch.js';
export { seekSequence, foldPunctuation } from './apply-patch/seek-sequence.js';
export type { MatchRung, SeekResult, SeekOptions } from './apply-patch/seek-sequence.js';
export { applyPatch, normalizePatchPath } from './apply-patch/apply-patch.js';
export type { ApplyPatchResult, ApplyPatchOptions, FileChange, Snapshot } from './apply-patch/apply-patch.js';
export { undoPatch } from './apply-patch/undo-patch.js';
export { bestCandidateExcerpt, DEFAULT_EXCERPT_LIMITS } from './apply-patch/best-candidate-excerpt.js';
export type { ExcerptLimits } from './apply-patch/best-candidate-excerpt.js';
export { PatchError } from './apply-patch/patch-error.js';
export type { PatchErrorCode, PatchErrorDetails } from './apply-patch/patch-error.js';
export type { PatchFileSystem } from './apply-patch/patch-file-system.js';
export { MemoryPatchFileSystem } from './apply-patch/memory-patch-file-system.js';
// NodePatchFileSystem imports node:fs, so it lives behind the "@spark/agent/node-patch-file-system" subpath.
export { splitShellCommand, MAX_NESTING_DEPTH, MAX_WRAPPERS, SUBSTITUTION_PLACEHOLDER } from './policy/split-shell-command.js';
export type { SimpleCommand, ShellCommandSplit } from './policy/split-shell-command.js';
export { classifyCommand, classifySimpleCommand } from './policy/classify-command.js';
export { COMMAND_RULES, SCRIPT_RULES, WRAPPERS, SHELLS, MODULE_RUNNERS, NON_WRITING_TARGETS } from './policy/command-table.js';
export type { CommandClass, CommandRule, FlagRule, WrapperRule } from './policy/command-table.js';
export { decideCommand } from './policy/decide-command.js';
export type { ApprovalMode, CommandPolicy, CommandDecision } from './policy/decide-command.js';
