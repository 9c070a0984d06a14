import type { CreateParams, ResponsesConnection, ToolParam } from '@spark/client';
import type { BackgroundAgentInfo, BackgroundRole, BackgroundStatus, TurnStatus } from '@spark/protocol';
import { Agent } from '../loop/agent.js';
import { AgentError } from '../loop/agent-error.js';
import type { AgentEvent, AgentEventBody } from '../loop/agent-events.js';
import { runTurns } from '../loop/agent-handle.js';
import type { ApprovalMode } from '../policy/decide-command.js';
import type { SandboxSetting, ShellConfinement } from '../sandbox/shell-confinement.js';
import { BACKGROUND_TOOL_OUTPUT_PREVIEW_CHARS, DEFAULT_BACKGROUND_DELTA_INTERVAL_MS } from './background-limits.js';
import { CoalescedText } from './coalesced-text.js';
import type { ForkPoint } from './fork-point.js';
import { removeIsolatedWorkspace, type IsolatedWorkspace } from './isolated-workspace.js';
import { worktreePatch } from './worktree-patch.js';

export interface BackgroundAgentOptions {
  id: string;
  task: string;
  files: readonly string[];
  role: BackgroundRole;
  model: string;
  connection: ResponsesConnection;
  contextWindow: number;
  instructions: string;
  tools: readonly ToolParam[];
  isolated: IsolatedWorkspace;
  approval: ApprovalMode;
  sandbox?: SandboxSetting;
  confinement?: ShellConfinement;
  networkAllowed: boolean;
  testsAllowed: boolean;
  maxSteps: number;
  maxTokens: number;
  /** Started from the foreground's context: its fork point, and the foreground's prompt, which it repeats so the KV prefix matches. */
  forked?: { fork: ForkPoint; instructions: string; tools: readonly ToolParam[] };
  requestOverrides?: Partial<CreateParams>;
  firstStepOverrides?: Partial<CreateParams>;
  /** The foreground thread's emitter: background events are reported there. */
  emit: (event: AgentEventBody) => void;
  /** Called after every status change (the manager records it in the session). */
  onChange: (agent: BackgroundAgent) => void;
  /** How long its answer text is gathered per `background.delta` event (default `DEFAULT_BACKGROUND_DELTA_INTERVAL_MS`). */
  deltaIntervalMs?: number;
}

/**
 * One background agent: its own `Agent` thread in an isolated worktree, on its own `stream_id`
 * lane of the foreground's connection, sending `priority: 'background'`. It runs its task (and
 * any later messages) to an answer, then reports a summary and its changes as a patch.
 */
export class BackgroundAgent {
  readonly id: string;
  readonly lane: string;
  private readonly agent: Agent;
  private readonly startedAt = performance.now();
  private status: BackgroundStatus = 'running';
  private steps = 0;
  private tokens = 0;
  private cachedTokens = 0;
  private summary: string | undefined;
  private patch: string | undefined;
  private applied = false;
  private turnStatus: TurnStatus = 'completed';
  private readonly stopper = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private discarded = false;
  private waiters: Array<() => void> = [];
  /** Its answer text on the way to watchers, as `background.delta` events. */
  private readonly text: CoalescedText;

  constructor(private readonly options: BackgroundAgentOptions) {
    this.id = options.id;
    this.lane = `bg-${options.id}`;
    const forked = options.forked;
    this.agent = new Agent({
      connection: options.connection, model: options.model, workspace: options.isolated.workspace,
      instructions: forked?.instructions ?? options.instructions, tools: forked?.tools ?? options.tools, contextWindow: options.contextWindow,
      ...(forked === undefined ? {} : { fork: forked.fork }),
      ...(options.firstStepOverrides === undefined ? {} : { firstStepOverrides: options.firstStepOverrides }),
      approval: options.approval, testsAllowed: options.testsAllowed, networkAllowed: options.networkAllowed,
      ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
      ...(options.confinement === undefined ? {} : { confinement: options.confinement }),
      maxStepsPerTurn: options.maxSteps,
      requestOverrides: { ...options.requestOverrides, stream_id: this.lane, priority: 'background' },
    });
    this.text = new CoalescedText(
      (delta) => options.emit({ type: 'background.delta', agent_id: this.id, delta }),
      options.deltaIntervalMs ?? DEFAULT_BACKGROUND_DELTA_INTERVAL_MS,
    );
  }

  info(): BackgroundAgentInfo {
    return {
      agent_id: this.id, task: this.options.task, role: this.options.role, model: this.options.model, status: this.status,
      steps: this.steps, tokens: this.tokens, elapsed_ms: Math.round(performance.now() - this.startedAt),
      ...(this.summary === undefined ? {} : { summary: this.summary }),
      ...(this.patch === undefined ? {} : { patch: this.patch }),
      ...(this.applied ? { applied: true } : {}),
    };
  }

  get isRunning(): boolean {
    return this.status === 'running';
  }

  markApplied(): void {
    this.applied = true;
    this.options.onChange(this);
  }

  /** Starts the task; the result arrives as `background.finished` (or `.stopped`, `.error`). */
  start(): void {
    const { task, files } = this.options;
    const scope = files.length === 0 ? '' : `\n\nWork on these files (others only as needed): ${files.join(', ')}`;
    this.options.emit({
      type: 'background.started', agent_id: this.id, task, role: this.options.role, model: this.options.model, files: [...files], stream_id: this.lane,
    });
    // A fork runs under the foreground's prompt: this message is where it learns its role and its worktree.
    const role = this.options.forked === undefined ? '' : `\n\n${forkedAgentNote(this.id, this.options.isolated.workspace)}`;
    this.run(`${task}${scope}${role}`);
  }

  /** More input: steers a running task, or starts the next turn of a finished one. */
  message(text: string): 'steered' | 'started' {
    if (this.status === 'running') {
      this.agent.steer(text);
      return 'steered';
    }
    if (this.discarded || this.status === 'stopped') throw new AgentError('background_stopped', `Background agent ${this.id} was stopped; start a new one.`);
    this.status = 'running';
    this.options.onChange(this);
    this.run(text);
    return 'started';
  }

  /** Resolves once the agent is not running, or after `timeoutMs`; true when it stopped running. */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.isRunning) return true;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        timer = setTimeout(resolve, timeoutMs);
        onAbort = resolve;
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
    return !this.isRunning;
  }

  /** Stops it (a running turn is interrupted) and removes its worktree: its work is discarded. */
  async stop(reason: string): Promise<void> {
    if (this.discarded) return;
    this.discarded = true;
    const wasRunning = this.isRunning;
    this.status = 'stopped';
    this.stopper.abort(new AgentError('interrupted', reason));
    try {
      await this.running;
    } finally {
      this.text.flush();
      await removeIsolatedWorkspace(this.options.isolated);
    }
    this.options.emit({ type: 'background.stopped', agent_id: this.id, reason: wasRunning ? reason : `${reason} (it had finished; its worktree is removed)` });
    this.options.onChange(this);
    this.wake();
  }

  /** Releases it for good: a running one is stopped; a finished one keeps its result (recorded) and loses only its worktree. */
  async dispose(reason: string): Promise<void> {
    if (this.isRunning) { await this.stop(reason); return; }
    if (this.discarded) return;
    this.discarded = true;
    await removeIsolatedWorkspace(this.options.isolated);
  }

  private run(text: string): void {
    this.running = this.drive(text);
  }

  private async drive(text: string): Promise<void> {
    const { emit } = this.options;
    try {
      for await (const event of runTurns(this.agent, text, { signal: this.stopper.signal })) this.observe(event);
      if (this.discarded) return;
      this.text.flush();
      const result = await worktreePatch(this.options.isolated);
      this.patch = result.patch;
      this.status = this.turnStatus === 'failed' ? 'failed' : 'finished';
      const skipped = result.skipped.length === 0 ? '' : `\n[not in the patch (binary): ${result.skipped.join(', ')}]`;
      // A model that ends without a word still leaves the foreground something to act on.
      const answer = this.summary?.trim() ?? '';
      const summary = answer !== '' ? answer : `[no final answer from the model after ${this.steps} step(s); ${result.files.length === 0 ? 'no files changed' : `changed: ${result.files.join(', ')}`}]`;
      emit({
        type: 'background.finished', agent_id: this.id, status: this.turnStatus, summary: `${summary}${skipped}`, patch: result.patch, files: result.files,
      });
    } catch (error) {
      if (this.discarded) return;
      this.text.flush();
      const failure = AgentError.from(error);
      this.status = 'failed';
      emit({ type: 'background.error', agent_id: this.id, code: failure.code, message: failure.message });
    } finally {
      if (!this.discarded) {
        this.options.onChange(this);
        this.wake();
      }
    }
  }

  private observe(event: AgentEvent): void {
    const { emit } = this.options;
    switch (event.type) {
      case 'text.delta':
        this.text.push(event.delta);
        break;
      case 'tool_call':
        this.text.flush();
        emit({ type: 'background.step', agent_id: this.id, step: this.steps, tool: event.name });
        break;
      case 'tool_result':
        emit({ type: 'background.tool', agent_id: this.id, name: event.name, ok: event.ok, output: preview(event.output) });
        break;
      case 'response.completed':
        this.text.flush();
        this.steps += 1;
        this.tokens += event.stats.input_tokens + event.stats.output_tokens;
        this.cachedTokens += event.stats.cached_input_tokens;
        emit({
          type: 'background.status', agent_id: this.id, status: this.status, steps: this.steps, tokens: this.tokens,
          cached_tokens: this.cachedTokens, elapsed_ms: Math.round(performance.now() - this.startedAt),
        });
        if (this.tokens > this.options.maxTokens) {
          emit({ type: 'background.error', agent_id: this.id, code: 'token_budget', message: `Used ${this.tokens} tokens, over its budget of ${this.options.maxTokens}: stopped; its work so far is in the patch.` });
          this.agent.interrupt();
        }
        break;
      case 'turn.completed':
        this.turnStatus = event.status;
        this.summary = event.final_message;
        break;
      case 'error':
        emit({ type: 'background.error', agent_id: this.id, code: event.code, message: event.message });
        break;
      default:
        break;
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A tool's output as watchers see it: its first characters. */
function preview(output: string): string {
  return output.length <= BACKGROUND_TOOL_OUTPUT_PREVIEW_CHARS ? output : `${output.slice(0, BACKGROUND_TOOL_OUTPUT_PREVIEW_CHARS)}…`;
}

/** Ends a forked background agent's task: the foreground's prompt it runs under says none of this. */
export function forkedAgentNote(id: string, workspace: string): string {
  return `[You are background agent ${id}, started from the conversation above; the user is not watching. Work only in your own copy of the workspace, ${workspace} (relative paths resolve there): your changes reach the user as a patch. Do not start background agents. End with a short summary of what you changed and what is left.]`;
}
