import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CreateParams, ResponsesConnection, ToolParam } from '@spark/client';
import type { BackgroundAgentInfo, BackgroundRole } from '@spark/protocol';
import { AgentError } from '../loop/agent-error.js';
import type { AgentEventBody } from '../loop/agent-events.js';
import type { ApprovalMode } from '../policy/decide-command.js';
import type { SandboxSetting, ShellConfinement } from '../sandbox/shell-confinement.js';
import { defaultSessionDir, type Session } from '../session/session-store.js';
import { BackgroundAgent } from './background-agent.js';
import { DEFAULT_BACKGROUND_MAX_STEPS, DEFAULT_BACKGROUND_MAX_TOKENS, DEFAULT_MAX_BACKGROUND_AGENTS } from './background-limits.js';
import type { ForkPoint } from './fork-point.js';
import { createIsolatedWorkspace } from './isolated-workspace.js';
import { sweepLeftoverWorktrees } from './leftover-worktrees.js';

/** Where background worktrees live unless told: next to the sessions directory. */
export function defaultWorktreeDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultSessionDir(env), '..', 'worktrees');
}

/** Dual mode settings of a foreground agent. */
export interface BackgroundSettings {
  /** The `deep` role's model; without one, background agents run the foreground's (`fast`) model. */
  deepModel?: string;
  /** The deep model's context window (default: the foreground's). */
  deepContextWindow?: number;
  /** Offer the delegation tools (spawn_agent...) to the model and tell it when to delegate. */
  delegate?: boolean;
  /** Parent of the background worktrees (default `defaultWorktreeDir()`). */
  worktreeDir?: string;
  maxAgents?: number;
  maxSteps?: number;
  maxTokens?: number;
  /** Extra request fields of every background request (tests and benches), under the lane's own. */
  requestOverrides?: Partial<CreateParams>;
  /** Fields only the first request of a background turn carries (a forced `tool_choice` in tests). */
  firstStepOverrides?: Partial<CreateParams>;
}

/** The foreground's fork point and prompt, for a background agent on the same model. */
export type ForkSource = () => { fork: ForkPoint; instructions: string; tools: readonly ToolParam[] } | undefined;

export interface BackgroundAgentsOptions extends BackgroundSettings {
  connection: ResponsesConnection;
  workspace: string;
  /** The foreground's model now (it changes with `set_model`). */
  fastModel: () => string;
  contextWindow: number;
  /** The system prompt of a background agent working in `workspace`. */
  instructionsFor: (workspace: string) => string;
  tools: readonly ToolParam[];
  approval: ApprovalMode;
  sandbox?: SandboxSetting;
  confinement?: ShellConfinement;
  networkAllowed: boolean;
  testsAllowed: boolean;
  /** Where a background agent on the foreground's own model starts: the foreground's context, whose KV the server already holds. */
  forkFrom?: ForkSource;
  emit: (event: AgentEventBody) => void;
  session?: Session;
  /** Background agents of a resumed session, as last recorded. */
  restored?: readonly BackgroundAgentInfo[];
}

/** What starting a background agent takes. */
export interface BackgroundTask {
  task: string;
  files?: readonly string[];
  role?: BackgroundRole;
}

/**
 * The background agents of one foreground thread: starts them (at most `maxAgents` running at
 * once), routes messages, waits, stops, and records each change in the foreground's session so
 * a resumed session lists them again (finished results stay; running ones come back stopped).
 */
export class BackgroundAgents {
  private readonly live = new Map<string, BackgroundAgent>();
  /** Agents of an earlier process: their last record, with no thread behind it. */
  private readonly past = new Map<string, BackgroundAgentInfo>();
  private readonly pending = new Set<string>();
  /** The one sweep of worktrees that earlier, crashed runs left, before this manager makes its first. */
  private swept: Promise<string[]> | undefined;

  constructor(private readonly options: BackgroundAgentsOptions) {
    for (const info of options.restored ?? []) {
      const restored: BackgroundAgentInfo = info.status === 'running' ? { ...info, status: 'stopped' } : info;
      this.past.set(info.agent_id, restored);
      if (info.status === 'running') void options.session?.append({ type: 'background', info: restored }).catch(() => undefined);
    }
  }

  get maxAgents(): number {
    return this.options.maxAgents ?? DEFAULT_MAX_BACKGROUND_AGENTS;
  }

  get delegates(): boolean {
    return this.options.delegate === true;
  }

  /** Which model a role runs. */
  modelFor(role: BackgroundRole): string {
    return role === 'deep' && this.options.deepModel !== undefined ? this.options.deepModel : this.options.fastModel();
  }

  list(): BackgroundAgentInfo[] {
    return [...this.past.values(), ...[...this.live.values()].map((agent) => agent.info())];
  }

  get(id: string): BackgroundAgentInfo | undefined {
    return this.live.get(id)?.info() ?? this.past.get(id);
  }

  get runningCount(): number {
    return [...this.live.values()].filter((agent) => agent.isRunning).length + this.pending.size;
  }

  /** Starts one; refused (`background_limit`) when `maxAgents` already run. */
  async start(task: BackgroundTask, signal?: AbortSignal): Promise<BackgroundAgentInfo> {
    if (this.runningCount >= this.maxAgents) {
      throw new AgentError('background_limit', `${this.runningCount} background agents are running, the most allowed (${this.maxAgents}); wait for one or stop one first.`);
    }
    const id = `bg${randomBytes(4).toString('hex')}`;
    this.pending.add(id);
    try {
      const role = task.role ?? (this.options.deepModel === undefined ? 'fast' : 'deep');
      const parent = this.options.worktreeDir ?? defaultWorktreeDir();
      this.swept ??= sweepLeftoverWorktrees(parent).catch(() => []);
      await this.swept;
      const isolated = await createIsolatedWorkspace(this.options.workspace, parent, id, signal);
      const deep = role === 'deep' && this.options.deepModel !== undefined;
      const model = this.modelFor(role);
      // The same model as the foreground: start from its context (prefill reuses its KV); another model starts fresh.
      const forked = model === this.options.fastModel() ? this.options.forkFrom?.() : undefined;
      const { requestOverrides, firstStepOverrides } = this.options;
      const agent = new BackgroundAgent({
        id, task: task.task, files: task.files ?? [], role, model, connection: this.options.connection,
        ...(forked === undefined ? {} : { forked }),
        ...(requestOverrides === undefined ? {} : { requestOverrides }),
        ...(firstStepOverrides === undefined ? {} : { firstStepOverrides }),
        contextWindow: deep ? (this.options.deepContextWindow ?? this.options.contextWindow) : this.options.contextWindow,
        instructions: this.options.instructionsFor(isolated.workspace), tools: this.options.tools, isolated,
        // Its edits land in its own worktree, never in the user's files: the user approves when
        // applying the patch. So it runs `auto-in-workspace` whatever the foreground's mode, even
        // never-ask: a command that may write outside its worktree is sandboxed there (bubblewrap)
        // or asks, and nobody answers a background agent's asks (denied).
        approval: 'auto-in-workspace',
        ...(this.options.sandbox === undefined ? {} : { sandbox: this.options.sandbox }),
        ...(backgroundConfinement(this.options.confinement)),
        networkAllowed: this.options.networkAllowed, testsAllowed: this.options.testsAllowed,
        maxSteps: this.options.maxSteps ?? DEFAULT_BACKGROUND_MAX_STEPS, maxTokens: this.options.maxTokens ?? DEFAULT_BACKGROUND_MAX_TOKENS,
        emit: this.options.emit, onChange: (changed) => this.record(changed.info()),
      });
      this.live.set(id, agent);
      agent.start();
      this.record(agent.info());
      return agent.info();
    } finally {
      this.pending.delete(id);
    }
  }

  message(id: string, text: string): 'steered' | 'started' {
    return this.require(id).message(text);
  }

  /** Waits until one of `ids` (all live ones when empty) is not running, or `timeoutMs` passed. */
  async wait(ids: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<{ agents: BackgroundAgentInfo[]; timedOut: boolean }> {
    const agents = ids.length === 0 ? [...this.live.values()] : ids.map((id) => this.require(id));
    const running = agents.filter((agent) => agent.isRunning);
    let timedOut = false;
    if (running.length === agents.length && running.length > 0) {
      const controller = new AbortController();
      const onAbort = (): void => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const done = await Promise.race(running.map((agent) => agent.wait(timeoutMs, controller.signal)));
        timedOut = !done;
      } finally {
        controller.abort();
        signal?.removeEventListener('abort', onAbort);
      }
    }
    return { agents: agents.map((agent) => agent.info()), timedOut };
  }

  /** Stops one (`id`) or every background agent; their worktrees are removed. */
  async stop(id?: string, reason = 'Stopped by the user.'): Promise<void> {
    if (id !== undefined && !this.live.has(id) && this.past.has(id)) {
      this.past.delete(id);
      this.options.emit({ type: 'background.stopped', agent_id: id, reason: `${reason} (from an earlier run: forgotten)` });
      return;
    }
    const targets = id === undefined ? [...this.live.values()] : [this.require(id)];
    await Promise.all(targets.map((agent) => agent.stop(reason)));
    for (const agent of targets) this.live.delete(agent.id);
  }

  markApplied(id: string): void {
    const live = this.live.get(id);
    if (live !== undefined) { live.markApplied(); return; }
    const past = this.past.get(id);
    if (past !== undefined) {
      const applied = { ...past, applied: true };
      this.past.set(id, applied);
      this.record(applied);
    }
  }

  /** Stops every agent and removes every worktree (the foreground is closing). */
  async close(): Promise<void> {
    const agents = [...this.live.values()];
    await Promise.all(agents.map((agent) => agent.dispose('The foreground agent closed.')));
    for (const agent of agents) {
      this.past.set(agent.id, agent.info());
      this.live.delete(agent.id);
    }
  }

  private require(id: string): BackgroundAgent {
    const agent = this.live.get(id);
    if (agent === undefined) {
      throw new AgentError('unknown_background_agent', this.past.has(id) ? `Background agent ${id} is from an earlier run and no longer runs.` : `No background agent '${id}'.`);
    }
    return agent;
  }

  private record(info: BackgroundAgentInfo): void {
    // Running counts change every step; the session keeps state changes only.
    void this.options.session?.append({ type: 'background', info }).catch(() => undefined);
  }
}

/**
 * The foreground's resolved confinement, where it holds for a background agent too: the sandbox
 * probe's findings do, a choice made by the foreground's approval mode does not (the background
 * agent then resolves its own from the sandbox setting).
 */
function backgroundConfinement(confinement: ShellConfinement | undefined): { confinement?: ShellConfinement } {
  if (confinement === undefined || (confinement.type === 'none' && confinement.reason === 'approval_mode')) return {};
  return { confinement };
}
