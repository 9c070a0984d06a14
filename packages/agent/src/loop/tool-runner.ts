import { realpath } from 'node:fs/promises';
import { z } from 'zod';
import { applyPatch, normalizePatchPath, parsePatch, PatchError, undoPatch } from '@spark/protocol';
import { fastApplyTarget } from '../apply-patch/fast-apply-target.js';
import { NodePatchFileSystem } from '../apply-patch/node-patch-file-system.js';
import type { FileTracker } from '../context/file-tracker.js';
import type { ToolCallItem } from '../history/history-item.js';
import { decideCommand, type ApprovalMode } from '../policy/decide-command.js';
import { resolveShellConfinement, type SandboxSetting, type ShellConfinement } from '../sandbox/shell-confinement.js';
import type { UndoEntry } from '../session/session-store.js';
import { listWorkspaceDir } from '../tools/list-dir.js';
import { formatReadResult, readWorkspaceFile } from '../tools/read-file.js';
import { formatShellResult, runShell } from '../tools/run-shell.js';
import { formatSearchResult, searchWorkspace } from '../tools/search.js';
import { ToolError } from '../tools/tool-error.js';
import { DEFAULT_SHELL_OUTPUT_BYTES, DEFAULT_SHELL_STREAMED_BYTES, DEFAULT_SHELL_TIMEOUT_MS } from '../tools/tool-limits.js';
import type { AgentEventBody, ApprovalDecision, ApprovalHandler, ApprovalRequest } from './agent-events.js';
import { writeAtomically, type FastApplySettings } from './fast-apply.js';

/** Added to a sandboxed command's output when it failed on the read-only file system. */
export const SANDBOX_NOTE = 'The sandbox keeps everything outside the workspace read-only (/tmp is private to each command); write inside the workspace, or ask the user to run this command themselves.';

/** Longest shell timeout the model may ask for. */
export const MAX_SHELL_TIMEOUT_MS = 10 * 60_000;

export interface ToolRunnerOptions {
  workspace: string;
  approval: ApprovalMode;
  networkAllowed: boolean;
  /** Where shell commands run; default: resolved on the first command from `sandbox`. */
  confinement?: ShellConfinement;
  /** Used only when `confinement` is not given (default 'auto'). */
  sandbox?: SandboxSetting;
  fileTracker: FileTracker;
  /** Answers an 'ask' verdict (the agent's pending approvals: an event out, an op back); without one, denied. */
  approve?: ApprovalHandler;
  shellTimeoutMs?: number;
  shellOutputBytes?: number;
  /** Output of one command streamed as `tool_output.delta` events (default `DEFAULT_SHELL_STREAMED_BYTES`). */
  shellStreamedBytes?: number;
  /** Longest tool output put in the conversation; longer ones keep their head and tail. */
  maxOutputChars: number;
  /** Tools served outside the workspace tools (dual mode's delegation tools). */
  extraTools?: ExtraTools;
  /** Turn a patch that rewrites most of a file into a rewrite request (off when absent). */
  fastApply?: FastApplySettings;
}

/** Function tools the runner hands to someone else by name (arguments still untrusted JSON). */
export interface ExtraTools {
  has(name: string): boolean;
  run(name: string, args: unknown, signal: AbortSignal): Promise<{ ok: boolean; output: string }>;
}

/** What running one call produced. */
export interface ToolOutcome {
  output: string;
  ok: boolean;
  exitCode?: number | null;
  /**
   * How long the tool itself ran, without the wait for the user's approval (a shell call's
   * `duration_ms` is the command's run); undefined: the caller times the whole call.
   */
  durationMs?: number;
  /** Set when a patch was applied: what `undo` restores. */
  undo?: UndoEntry;
}

export interface ToolCallContext {
  signal: AbortSignal;
  /** The user asked for tests this turn, or allowed them for the session. */
  testsAllowed: boolean;
  emit(event: AgentEventBody): void;
}

// The model's arguments are untrusted: parsed here, with empty values meaning "default" because
// Spark's grammar makes every listed property required.
const readArgs = z.object({ path: z.string(), offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(0).default(0) });
const listArgs = z.object({ path: z.string().default(''), depth: z.coerce.number().int().min(0).default(0) });
const searchArgs = z.object({
  pattern: z.string().min(1),
  path: z.string().default(''),
  glob: z.string().default(''),
  case_sensitive: z.boolean().nullable().optional(),
});
const shellArgs = z.object({ command: z.string().min(1), timeout_ms: z.coerce.number().int().min(0).default(0) });
const patchArgs = z.object({ input: z.string() });

/**
 * Runs the model's tool calls in the workspace under the session's policy. Every failure becomes
 * a tool output the model can act on; only aborts end the call without one.
 */
export class ToolRunner {
  private readonly sessionApprovals = new Set<ApprovalRequest['kind']>();
  private confinement: Promise<ShellConfinement> | undefined;

  constructor(private readonly options: ToolRunnerOptions) {}

  /** What the model read, to notice files changed on disk since. */
  get fileTracker(): FileTracker {
    return this.options.fileTracker;
  }

  async run(call: ToolCallItem, context: ToolCallContext): Promise<ToolOutcome> {
    try {
      const outcome = await this.dispatch(call, context);
      return { ...outcome, output: this.clip(outcome.output) };
    } catch (error) {
      if (context.signal.aborted) return { ok: false, output: '[interrupted by the user]' };
      if (ToolError.is(error) || PatchError.is(error)) return { ok: false, output: `Error (${error.code}): ${error.message}` };
      if (error instanceof z.ZodError) return { ok: false, output: `Error (invalid_arguments): ${describeZod(error)}. Call ${call.name} again with valid arguments.` };
      return { ok: false, output: `Error: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /**
   * Applies `patch` as if the model had called apply_patch with it (approval, atomic write,
   * file tracking, `patch.applied`), for patches that come from elsewhere (a background agent's).
   * Throws `PatchError` when a hunk no longer matches; nothing is written then.
   */
  async applyExternalPatch(callId: string, patch: string, context: ToolCallContext): Promise<ToolOutcome> {
    return this.applyPatch(callId, patch, context);
  }

  /** Restores an applied patch's files. */
  async undo(entry: UndoEntry): Promise<string[]> {
    const fs = new NodePatchFileSystem(this.options.workspace);
    const snapshot = new Map(entry.files.map((file) => [file.path, file.before ?? undefined]));
    const restored = await undoPatch(snapshot, fs);
    for (const path of restored) await this.options.fileTracker.recordCurrent(path);
    return restored;
  }

  /** A changed file's current text for a harness note; the tracker then knows this version. */
  async rereadForNote(path: string): Promise<string> {
    try {
      const result = await readWorkspaceFile(this.options.workspace, { path });
      this.options.fileTracker.record(result.path, { mtimeMs: result.mtimeMs, size: result.size, sha256: result.sha256 });
      return this.clip(formatReadResult(result));
    } catch (error) {
      this.options.fileTracker.forget(path);
      return `(could not re-read: ${error instanceof Error ? error.message : String(error)})`;
    }
  }

  private async dispatch(call: ToolCallItem, context: ToolCallContext): Promise<ToolOutcome> {
    const { workspace } = this.options;
    const signal = context.signal;
    if (call.name === 'apply_patch') {
      const input = call.type === 'custom_tool_call' ? call.input : patchArgs.parse(parseJson(call.arguments)).input;
      return this.applyPatch(call.call_id, input, context);
    }
    if (call.type !== 'function_call') throw new ToolError('invalid_arguments', `Unknown tool '${call.name}'. Use one of read_file, list_dir, search, shell, apply_patch.`);
    const args = parseJson(call.arguments);
    if (this.options.extraTools?.has(call.name) === true) return this.options.extraTools.run(call.name, args, signal);
    switch (call.name) {
      case 'read_file': {
        const parsed = readArgs.parse(args);
        const result = await readWorkspaceFile(workspace, {
          path: parsed.path, ...(parsed.offset > 0 ? { offset: parsed.offset } : {}), ...(parsed.limit > 0 ? { limit: parsed.limit } : {}),
        }, { signal });
        this.options.fileTracker.record(result.path, { mtimeMs: result.mtimeMs, size: result.size, sha256: result.sha256 });
        return { ok: true, output: formatReadResult(result) };
      }
      case 'list_dir': {
        const parsed = listArgs.parse(args);
        const result = await listWorkspaceDir(workspace, { path: parsed.path, ...(parsed.depth > 0 ? { depth: parsed.depth } : {}) }, { signal });
        return { ok: true, output: result.text };
      }
      case 'search': {
        const parsed = searchArgs.parse(args);
        const result = await searchWorkspace(workspace, {
          pattern: parsed.pattern, path: parsed.path, glob: parsed.glob,
          ...(parsed.case_sensitive === undefined ? {} : { case_sensitive: parsed.case_sensitive }),
        }, { signal });
        return { ok: true, output: formatSearchResult(result) };
      }
      case 'shell':
        return this.shell(call.call_id, shellArgs.parse(args), context);
      default:
        throw new ToolError('invalid_arguments', `Unknown tool '${call.name}'. Use one of read_file, list_dir, search, shell, apply_patch.`);
    }
  }

  /** The session's shell confinement, resolved (and bubblewrap probed) once. */
  shellConfinement(): Promise<ShellConfinement> {
    this.confinement ??= this.options.confinement !== undefined
      ? Promise.resolve(this.options.confinement)
      : resolveShellConfinement({ approval: this.options.approval, sandbox: this.options.sandbox ?? 'auto', networkAllowed: this.options.networkAllowed });
    return this.confinement;
  }

  private async shell(callId: string, args: z.infer<typeof shellArgs>, context: ToolCallContext): Promise<ToolOutcome> {
    const confinement = await this.shellConfinement();
    const decision = decideCommand(args.command, {
      approval: this.options.approval, testsAllowed: context.testsAllowed, networkAllowed: this.options.networkAllowed,
      sandboxed: confinement.type === 'bubblewrap',
    });
    if (decision.verdict === 'refuse') return { ok: false, output: `Refused by the harness: ${decision.reason}` };
    let approved = false;
    if (decision.verdict === 'ask') {
      const answer = await this.ask({ kind: 'shell', call_id: callId, command: args.command, reason: decision.reason, classes: [...decision.classes] }, context);
      if (answer === 'deny') return { ok: false, output: 'The user declined to run this command. Do not retry it; continue another way or ask the user.' };
      approved = true;
    }
    const timeoutMs = Math.min(args.timeout_ms > 0 ? args.timeout_ms : (this.options.shellTimeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS), MAX_SHELL_TIMEOUT_MS);
    // A network command the user approved gets the network; its writes stay confined.
    const sandbox = confinement.type === 'bubblewrap'
      ? { bwrap: confinement.bwrap, writable: [await realpath(this.options.workspace).catch(() => this.options.workspace)], network: confinement.network || (approved && decision.classes.has('network')) }
      : undefined;
    const result = await runShell({
      command: args.command, cwd: this.options.workspace, timeoutMs,
      maxOutputBytes: this.options.shellOutputBytes ?? DEFAULT_SHELL_OUTPUT_BYTES, signal: context.signal,
      ...(sandbox === undefined ? {} : { sandbox }),
      onOutput: streamOutput(callId, context, this.options.shellStreamedBytes ?? DEFAULT_SHELL_STREAMED_BYTES),
    });
    let output = formatShellResult(result);
    if (sandbox !== undefined && result.exitCode !== 0 && /read-only file system/i.test(result.output)) {
      output += `\n[${SANDBOX_NOTE}]`;
    }
    return { ok: result.exitCode === 0 && !result.timedOut, output, exitCode: result.exitCode, durationMs: result.durationMs };
  }

  private async applyPatch(callId: string, input: string, context: ToolCallContext): Promise<ToolOutcome> {
    // Parse first: a malformed patch is the model's to fix and needs no approval.
    const operations = parsePatch(input);
    if (this.options.approval === 'ask') {
      const paths = operations.map((op) => op.path);
      const answer = await this.ask({ kind: 'patch', call_id: callId, patch: input, paths, reason: 'Approval mode "ask": every edit needs the user\'s approval.' }, context);
      if (answer === 'deny') return { ok: false, output: 'The user declined this patch. Ask what they want changed instead.' };
    }
    const started = performance.now();
    const fs = new NodePatchFileSystem(this.options.workspace);
    const rewritten = await this.fastApply(callId, operations, fs, context);
    if (rewritten !== undefined) return { ...rewritten, durationMs: Math.round(performance.now() - started) };
    const result = await applyPatch(operations, fs);
    const files = [...result.snapshot].map(([path, before]) => ({ path, before: before ?? null }));
    for (const change of result.changes) await this.options.fileTracker.recordCurrent(change.path);
    for (const file of files) await this.options.fileTracker.recordCurrent(file.path);
    context.emit({ type: 'patch.applied', call_id: callId, changes: result.changes.map((change) => ({ kind: change.kind, path: change.path })) });
    return { ok: true, output: result.summary, durationMs: Math.round(performance.now() - started), undo: { call_id: callId, files } };
  }

  /**
   * Fast apply: a patch that rewrites most of one file becomes a rewrite request whose
   * prediction is the file, written atomically. Undefined when it does not apply or the rewrite
   * failed: the caller applies the patch as usual.
   */
  private async fastApply(callId: string, operations: ReturnType<typeof parsePatch>, fs: NodePatchFileSystem, context: ToolCallContext): Promise<ToolOutcome | undefined> {
    const settings = this.options.fastApply;
    const first = operations[0];
    if (settings === undefined || first === undefined) return undefined;
    let file: string | undefined;
    try {
      file = await fs.read(normalizePatchPath(first.path));
    } catch {
      return undefined;
    }
    const target = fastApplyTarget(operations, (path) => (path === normalizePatchPath(first.path) ? file : undefined), settings.minShare);
    if (target === undefined || file === undefined) return undefined;
    let text: string;
    try {
      text = await settings.rewrite({ path: target.path, file, edit: target.edit }, context.signal);
      await writeAtomically(fs, target.path, text);
    } catch (error) {
      if (context.signal.aborted) throw error;
      context.emit({ type: 'warning', code: 'fast_apply_failed', message: `Fast apply of ${target.path} failed (${error instanceof Error ? error.message : String(error)}); applying the patch instead.` });
      return undefined;
    }
    await this.options.fileTracker.recordCurrent(target.path);
    context.emit({ type: 'patch.applied', call_id: callId, changes: [{ kind: 'M', path: target.path }] });
    return { ok: true, output: `Success. Updated the following files:\nM ${target.path}\n`, undo: { call_id: callId, files: [{ path: target.path, before: file }] } };
  }

  private async ask(request: ApprovalRequest, context: ToolCallContext): Promise<ApprovalDecision> {
    if (this.sessionApprovals.has(request.kind)) return 'approve';
    const decision = this.options.approve === undefined ? 'deny' : await this.options.approve(request, context.signal);
    if (decision === 'approve_session') this.sessionApprovals.add(request.kind);
    return decision;
  }

  private clip(output: string): string {
    const max = this.options.maxOutputChars;
    if (output.length <= max) return output;
    const half = Math.floor(max / 2);
    return `${output.slice(0, half)}\n[... ${output.length - 2 * half} characters omitted to fit the context ...]\n${output.slice(-half)}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text) as unknown;
  } catch {
    throw new ToolError('invalid_arguments', 'The arguments are not valid JSON. Send a JSON object with the documented fields.');
  }
}

function describeZod(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`).join('; ');
}

/**
 * Emits a command's output as `tool_output.delta` events while it runs, up to `limit` bytes
 * (UTF-16 length as an estimate), then one note that the rest comes with the result.
 */
function streamOutput(callId: string, context: ToolCallContext, limit: number): (text: string) => void {
  let sent = 0;
  let capped = false;
  return (text) => {
    if (capped) return;
    if (sent + text.length > limit) {
      capped = true;
      const room = Math.max(0, limit - sent);
      context.emit({ type: 'tool_output.delta', call_id: callId, delta: `${text.slice(0, room)}\n[… more output; the result shows its end …]\n` });
      return;
    }
    sent += text.length;
    context.emit({ type: 'tool_output.delta', call_id: callId, delta: text });
  };
}
