import { randomUUID } from 'node:crypto';
import type { CreateParams, ResponsesConnection, ToolParam } from '@spark/client';
import { AgentOpError, isTerminal, parseAgentOp, type AgentOp, type ThreadSnapshot, PatchError, type BackgroundAgentInfo } from '@spark/protocol';
import { NodePatchFileSystem } from '../apply-patch/node-patch-file-system.js';
import { StreamingPatchCheck } from '../apply-patch/streaming-patch-check.js';
import { ContextBudget, type ContextBudgetOptions } from '../context/context-budget.js';
import { CHARS_PER_TOKEN } from '../context/estimate-tokens.js';
import { FileTracker } from '../context/file-tracker.js';
import type { HistoryItem } from '../history/history-item.js';
import type { ApprovalMode } from '../policy/decide-command.js';
import type { SandboxSetting, ShellConfinement } from '../sandbox/shell-confinement.js';
import type { Session, UndoEntry } from '../session/session-store.js';
import { BackgroundAgents, type BackgroundSettings } from '../background/background-agents.js';
import { DELEGATION_PROMPT, DELEGATION_TOOLS, delegationTools } from '../background/delegation-tools.js';
import { AgentError } from './agent-error.js';
import type { AgentEvent, AgentEventBody, ApprovalHandler } from './agent-events.js';
import { runTurns, type AgentHandle } from './agent-handle.js';
import { Conversation } from './conversation.js';
import { ContextFitter } from './fit-context.js';
import { ResponseFolder } from './fold-response.js';
import { PendingApprovals } from './pending-approvals.js';
import { ThreadEvents } from './thread-events.js';
import { ToolRunner, type ToolOutcome } from './tool-runner.js';
import { DEFAULT_MAX_STEPS_PER_TURN, TurnLoop } from './turn-loop.js';
import { TurnInputs } from './turn-inputs.js';
import { baseRequest, type RequestBase } from './warm-chain.js';
import { rewriteOverConnection } from './fast-apply.js';
import { DEFAULT_FAST_APPLY_MIN_SHARE } from '../apply-patch/fast-apply-target.js';
import { forkPointOf, type ForkPoint } from '../background/fork-point.js';

export { DEFAULT_MAX_STEPS_PER_TURN } from './turn-loop.js';
export { SUMMARY_MAX_OUTPUT_TOKENS } from './fit-context.js';

export interface AgentOptions {
  connection: ResponsesConnection;
  model: string;
  /** Absolute path; every tool is confined to it. */
  workspace: string;
  /** The full system prompt (base prompt, environment, AGENTS.md): built by `buildInstructions`. */
  instructions: string;
  /** Tool definitions as sent in `tools`. */
  tools: readonly ToolParam[];
  contextWindow: number;
  budget?: Omit<ContextBudgetOptions, 'contextWindow'>;
  approval: ApprovalMode;
  /** Tests and slow checks allowed for the whole session (else only in turns that ask for them). */
  testsAllowed?: boolean;
  networkAllowed?: boolean;
  /** Where shell commands run (from `resolveShellConfinement`); default: resolved from `sandbox` on the first command. */
  confinement?: ShellConfinement;
  /** `auto` (default) sandboxes `auto-in-workspace` commands where bubblewrap runs; `off` never does. */
  sandbox?: SandboxSetting;
  /**
   * Who answers `approval.requested` ('ask' verdicts): 'op' waits for the `approval` op (a UI
   * reading `events()` sends it); a handler is called and its answer submitted as that op;
   * without either, requests are denied at once (a headless run).
   */
  approve?: ApprovalHandler | 'op';
  session?: Session;
  /** Where a resumed or forked session stands. */
  resume?: { history: HistoryItem[]; undo: UndoEntry[]; turns: number; background?: BackgroundAgentInfo[] };
  /**
   * Dual mode: the deep model, limits and whether the model is offered the delegation tools.
   * Background agents can always be started by the `background` op; without `delegate` the
   * model neither sees the tools nor the prompt part about them.
   */
  background?: BackgroundSettings;
  /** A background agent's system prompt for its worktree (default: this prompt with the workspace path replaced). */
  backgroundInstructions?: (workspace: string) => string;
  maxStepsPerTurn?: number;
  shellTimeoutMs?: number;
  shellOutputBytes?: number;
  /** Output of one shell command streamed as `tool_output.delta` events (default `DEFAULT_SHELL_STREAMED_BYTES`). */
  shellStreamedBytes?: number;
  /** Extra request fields (temperature, max_output_tokens, tool_choice...), e.g. for tests and benches. */
  requestOverrides?: Partial<CreateParams>;
  /**
   * Fields only the first request of each turn carries, over `requestOverrides`: a forced
   * `tool_choice` makes a model too small to choose a tool call one, then answer.
   */
  firstStepOverrides?: Partial<CreateParams>;
  /**
   * Start from another thread's response on the same connection (a background agent forked
   * from its foreground): the first request continues it, so the server's KV serves its prefill.
   */
  fork?: ForkPoint;
  /** Stop a model that repeats itself (see LoopWatch). Default on. */
  loopGuard?: boolean;
  /**
   * Fast apply: an apply_patch that rewrites most of one file (a Delete and Add of it, or an
   * Update removing at least `minShare` of its lines, `DEFAULT_FAST_APPLY_MIN_SHARE`) is sent as
   * a rewrite request whose `prediction` is the current file, and its output written atomically;
   * a failed rewrite falls back to the patch. Off by default: the agent-edits bench found it
   * does not pay (see the README).
   */
  fastApply?: boolean | { minShare?: number };
  /**
   * Check each apply_patch hunk against the workspace as the call streams, and stop the response
   * at the first one that cannot apply so the model retries at once (default on). Off: patches
   * are checked only when the whole call has arrived, as they are applied.
   */
  checkPatchesWhileStreaming?: boolean;
}

/**
 * The coding agent, in-process: one thread driven by ops (`submit`) that reports everything as
 * events (`events`). A `user_message` runs a turn (and then the queued messages); the turn loop
 * sends the conversation over a Responses connection (only new items on a warm WebSocket
 * chain), streams the answer, runs the tool calls under the session's policy, and sends the
 * results back until the model answers without calling tools.
 *
 * Three verbs act on a running turn: `interrupt` stops it now (the partial answer stays in
 * history), `steer` reaches the model now (mid-generation over WebSocket, else with the next
 * request), `queue` becomes the next turn once this one completes. The methods of the same names
 * are the typed forms of those ops for in-process callers.
 */
export class Agent implements AgentHandle {
  readonly threadId: string;
  private readonly connection: ResponsesConnection;
  private readonly conversation: Conversation;
  private readonly inputs = new TurnInputs();
  private readonly context: ContextFitter;
  private readonly tools: ToolRunner;
  private readonly approvals: PendingApprovals;
  private readonly thread: ThreadEvents;
  private readonly turnLoop: TurnLoop;
  private readonly request: RequestBase;
  /** A `user_message` is being worked on (its turn, then the queued ones). */
  private driving = false;
  /** Dual mode: the background agents this thread started. */
  readonly background: BackgroundAgents;

  constructor(options: AgentOptions) {
    this.connection = options.connection;
    this.threadId = options.session?.id ?? `thread-${randomUUID()}`;
    this.conversation = new Conversation(options.session, options.resume);
    if (options.fork !== undefined) {
      const chain = { responseId: options.fork.responseId, epoch: options.fork.epoch, items: this.conversation.history.length };
      this.conversation.chain = chain;
      this.conversation.fork = { chain, items: options.fork.items };
    }
    this.thread = new ThreadEvents(this.threadId, () => this.turnLoop.turnId);
    const emit = (body: AgentEventBody): AgentEvent => this.thread.emit(body);
    this.approvals = new PendingApprovals(emit, options.approve);
    const budget = new ContextBudget({ contextWindow: options.contextWindow, ...options.budget });
    const delegate = options.background?.delegate === true;
    const tools: readonly ToolParam[] = delegate ? [...options.tools, ...DELEGATION_TOOLS] : options.tools;
    const instructions = delegate ? `${options.instructions}\n\n${DELEGATION_PROMPT}` : options.instructions;
    this.background = new BackgroundAgents({
      ...options.background,
      connection: this.connection, workspace: options.workspace, fastModel: () => this.request.model,
      contextWindow: options.contextWindow,
      instructionsFor: options.backgroundInstructions ?? ((workspace) => options.instructions.split(options.workspace).join(workspace)),
      tools: options.tools, approval: options.approval,
      ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
      ...(options.confinement === undefined ? {} : { confinement: options.confinement }),
      networkAllowed: options.networkAllowed ?? false, testsAllowed: options.testsAllowed ?? false,
      forkFrom: () => this.forkPoint(),
      emit, ...(options.session === undefined ? {} : { session: options.session }),
      ...(options.resume?.background === undefined ? {} : { restored: options.resume.background }),
    });
    this.context = new ContextFitter(budget, instructions + JSON.stringify(tools), this.conversation, this.inputs, laneFields(options.requestOverrides));
    this.tools = new ToolRunner({
      workspace: options.workspace,
      approval: options.approval,
      networkAllowed: options.networkAllowed ?? false,
      ...(options.confinement === undefined ? {} : { confinement: options.confinement }),
      ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
      fileTracker: new FileTracker(options.workspace),
      approve: this.approvals.ask,
      ...(options.shellTimeoutMs === undefined ? {} : { shellTimeoutMs: options.shellTimeoutMs }),
      ...(options.shellOutputBytes === undefined ? {} : { shellOutputBytes: options.shellOutputBytes }),
      ...(options.shellStreamedBytes === undefined ? {} : { shellStreamedBytes: options.shellStreamedBytes }),
      // One tool result may fill at most an eighth of the window.
      maxOutputChars: Math.floor((options.contextWindow / 8) * CHARS_PER_TOKEN),
      ...(delegate ? { extraTools: delegationTools(this.background, (id, signal) => this.applyBackground(id, signal)) } : {}),
      ...(options.fastApply === undefined || options.fastApply === false ? {} : {
        fastApply: {
          minShare: (options.fastApply === true ? undefined : options.fastApply.minShare) ?? DEFAULT_FAST_APPLY_MIN_SHARE,
          rewrite: (input, signal) => rewriteOverConnection(this.connection, this.request.model, input, signal, laneFields(options.requestOverrides)),
        },
      }),
    });
    this.request = {
      model: options.model, instructions, tools,
      sessionId: options.session?.id, requestOverrides: options.requestOverrides,
    };
    this.turnLoop = new TurnLoop({
      connection: this.connection, conversation: this.conversation, inputs: this.inputs, context: this.context,
      folder: new ResponseFolder(
        this.conversation, this.inputs, this.context, this.connection,
        options.checkPatchesWhileStreaming === false ? undefined : (callId) => new StreamingPatchCheck(callId, new NodePatchFileSystem(options.workspace)),
      ),
      tools: this.tools, request: this.request, emit,
      maxStepsPerTurn: options.maxStepsPerTurn ?? DEFAULT_MAX_STEPS_PER_TURN,
      firstStepOverrides: options.firstStepOverrides,
      testsAllowed: options.testsAllowed ?? false,
      loopGuard: options.loopGuard !== false,
    });
  }

  // --- The queue pair -------------------------------------------------------------------------

  async submit(op: AgentOp): Promise<void> {
    let parsed: AgentOp;
    try {
      parsed = parseAgentOp(op);
    } catch (error) {
      throw error instanceof AgentOpError ? new AgentError(error.code, error.message) : error;
    }
    switch (parsed.type) {
      case 'user_message': this.start(parsed.text); return;
      // Steering means "now": with no turn to steer (a client that saw one still running as it
      // ended), the text starts the next turn instead of waiting in the queue for another message.
      case 'steer':
        if (this.driving) this.steer(parsed.text);
        else this.start(parsed.text);
        return;
      case 'queue': this.queue(parsed.text); return;
      case 'edit_queued': this.editQueued(parsed.index, parsed.text ?? undefined); return;
      case 'promote_queued':
        if (this.driving) {
          this.promoteQueued(parsed.index);
        } else {
          const text = this.inputs.takeQueued(parsed.index);
          this.queueChanged();
          this.start(text);
        }
        return;
      case 'interrupt': this.interrupt(); return;
      case 'approval': this.approvals.decide(parsed.request_id, parsed.decision); return;
      case 'undo': await this.undo(); return;
      case 'compact': {
        const event = await this.compact();
        if (event !== undefined) this.thread.emit(event);
        return;
      }
      case 'set_model': await this.changeModel(parsed.model); return;
      case 'background':
        await this.startBackground(parsed.text, parsed.files, parsed.role);
        return;
      case 'background_message': this.background.message(parsed.agent_id, parsed.text); return;
      case 'background_stop': await this.background.stop(parsed.agent_id); return;
      case 'background_apply': await this.applyBackground(parsed.agent_id, new AbortController().signal); return;
    }
  }

  events(): AsyncIterable<AgentEvent> {
    return this.thread.subscribe();
  }

  snapshot(): ThreadSnapshot {
    return {
      thread_id: this.threadId,
      turns: this.conversation.turns,
      history: [...this.conversation.history],
      pending_approvals: this.approvals.pending,
      queued: [...this.inputs.queued],
      running_turn_id: this.runningTurnId,
      model: this.request.model,
      context_tokens: this.contextTokens,
      context_window: this.contextWindow,
      last_seq: this.thread.lastSeq,
      undoable: this.conversation.undo.map((entry) => ({ call_id: entry.call_id, paths: entry.files.map((file) => file.path) })),
      background: this.background.list(),
    };
  }

  // --- Read-only state ------------------------------------------------------------------------

  get sessionId(): string | undefined {
    return this.conversation.session?.id;
  }

  get items(): readonly HistoryItem[] {
    return this.conversation.history;
  }

  get queuedMessages(): readonly string[] {
    return this.inputs.queued;
  }

  get runningTurnId(): string | null {
    return this.turnLoop.active?.id ?? null;
  }

  get running(): boolean {
    return this.turnLoop.active !== undefined;
  }

  get model(): string {
    return this.request.model;
  }

  /** What walls this session's shell commands (bubblewrap probed on first use). */
  shellConfinement(): Promise<ShellConfinement> {
    return this.tools.shellConfinement();
  }

  get transport(): 'websocket' | 'http' {
    return this.connection.kind;
  }

  /** Prompt tokens in use as of the last response (exact) or estimated. */
  get contextTokens(): number {
    return this.context.tokens;
  }

  get contextWindow(): number {
    return this.context.budget.contextWindow;
  }

  /** Where a thread forking this one now starts, with this thread's prompt (a fork must repeat it to reuse the KV). */
  forkPoint(): { fork: ForkPoint; instructions: string; tools: readonly ToolParam[] } | undefined {
    const fork = forkPointOf(this.conversation.chain, this.conversation.history, this.connection, this.contextTokens / this.contextWindow);
    return fork === undefined ? undefined : { fork, instructions: this.request.instructions, tools: this.request.tools };
  }

  get undoable(): readonly UndoEntry[] {
    return this.conversation.undo;
  }

  // --- In-process forms of the ops ------------------------------------------------------------

  /**
   * Prefills the system prompt and tools on the server (`generate: false`) so the first turn
   * starts hot. WebSocket only: over HTTP nothing would be kept for the next request.
   */
  async warmup(signal?: AbortSignal): Promise<void> {
    if (this.connection.kind !== 'websocket' || this.conversation.history.length > 0) return;
    let responseId: string | undefined;
    for await (const event of this.connection.stream({ ...baseRequest(this.request), input: [], generate: false }, signal === undefined ? {} : { signal })) {
      if (isTerminal(event)) responseId = event.response.id;
    }
    if (responseId !== undefined) this.conversation.chain = { responseId, epoch: this.connection.connectionEpoch, items: 0 };
  }

  /**
   * Runs one user turn (and then any queued messages) to the end, yielding its events: the
   * `user_message` op plus `events()` until the thread is idle. Leaving the loop interrupts.
   */
  run(input: string, options: { signal?: AbortSignal } = {}): AsyncIterable<AgentEvent> {
    return runTurns(this, input, options);
  }

  /** Stops the running turn now; the partial answer stays in history. */
  interrupt(): void {
    this.turnLoop.active?.controller.abort(new AgentError('interrupted', 'Interrupted by the user.'));
  }

  /**
   * Gives the model `text` now: over WebSocket a streaming response is steered at its next
   * token (`response.steer`); otherwise the text goes out with the next request of this turn.
   * Without a running turn it is the same as `queue`.
   */
  steer(text: string): 'sent' | 'next_request' | 'queued' {
    const active = this.turnLoop.active;
    if (active === undefined) {
      this.queue(text);
      return 'queued';
    }
    if (active.request !== undefined && active.responseId !== undefined) {
      if (this.connection.kind === 'websocket') {
        active.steerInFlight.push(text);
        this.connection.steer(active.responseId, text);
        return 'sent';
      }
      // HTTP has no steering: stop this response where it is and continue with the text.
      this.inputs.steerNext(text);
      active.request.abort(new AgentError('steered', 'Steered over HTTP.'));
      return 'sent';
    }
    this.inputs.steerNext(text);
    return 'next_request';
  }

  /** Runs `text` as the next turn once the current one completes. */
  queue(text: string): void {
    this.inputs.queue(text);
    this.queueChanged();
  }

  /** Edits or removes (text undefined) a queued message. */
  editQueued(index: number, text: string | undefined): void {
    this.inputs.editQueued(index, text);
    this.queueChanged();
  }

  /** Moves a queued message to steering now. */
  promoteQueued(index: number): 'sent' | 'next_request' | 'queued' {
    const text = this.inputs.takeQueued(index);
    this.queueChanged();
    return this.steer(text);
  }

  /** Every client shows the queue from these events: each change of it is one. */
  private queueChanged(): void {
    this.thread.emit({ type: 'queue.changed', queued: [...this.inputs.queued] });
  }

  /** Restores the files of the last applied patch (`patch.undone`); the model hears about it with the next request. */
  async undo(): Promise<{ call_id: string; restored: string[] } | undefined> {
    const undo = this.conversation.undo;
    const entry = undo.at(-1);
    if (entry === undefined) return undefined;
    const restored = await this.tools.undo(entry);
    undo.pop();
    await this.conversation.session?.append({ type: 'undo', call_id: entry.call_id });
    this.inputs.note(`[harness] The user undid your patch (call ${entry.call_id}); these files are back to their earlier content: ${restored.join(', ')}. Re-read them before editing again.`);
    this.thread.emit({ type: 'patch.undone', call_id: entry.call_id, restored });
    return { call_id: entry.call_id, restored };
  }

  /** Summarises older turns now (the /compact command); returns the `compaction` event it did not emit. */
  async compact(signal?: AbortSignal): Promise<AgentEventBody | undefined> {
    return this.context.summarize(this.connection, this.request.model, signal ?? new AbortController().signal);
  }

  /**
   * The next requests go to `model`; the history stays (the server's warm chain does not).
   * `contextWindow`: the new model's window (default: the current one stays).
   */
  setModel(model: string, contextWindow?: number): void {
    if (this.driving) throw new AgentError('busy', 'The model cannot change while a turn runs.');
    this.request.model = model;
    this.conversation.chain = undefined;
    // A resumed session goes on where it was switched to, not on its first model.
    this.conversation.session?.append({ type: 'model', model }).catch(() => undefined);
    // Another model, another tokenizer: the server's earlier counts no longer apply.
    if (contextWindow !== undefined) this.context.budget.resize(contextWindow);
    else this.context.budget.forgetUsage();
    this.thread.emit({ type: 'model.changed', model });
  }

  /**
   * The `background` op (`/bg`, `spark exec --background`): starts a background agent on
   * `task`; a refusal (the limit) is reported as a `background.error` event as well.
   */
  async startBackground(task: string, files?: readonly string[], role?: 'fast' | 'deep'): Promise<BackgroundAgentInfo> {
    try {
      return await this.background.start({ task, ...(files === undefined ? {} : { files }), ...(role === undefined ? {} : { role }) });
    } catch (error) {
      const failure = AgentError.from(error);
      this.thread.emit({ type: 'background.error', agent_id: '', code: failure.code, message: failure.message });
      throw failure;
    }
  }

  /**
   * Applies a finished background agent's patch through the apply_patch path (approval in 'ask'
   * mode, atomic write, undo entry): nothing is written when any hunk's context changed
   * meanwhile, and the message says which file and hunk. Reported as `background.applied`.
   */
  async applyBackground(id: string, signal: AbortSignal): Promise<{ ok: boolean; output: string }> {
    const info = this.background.get(id);
    const refuse = (message: string): { ok: boolean; output: string } => {
      this.thread.emit({ type: 'background.applied', agent_id: id, applied: false, message });
      return { ok: false, output: message };
    };
    if (info === undefined) return refuse(`No background agent '${id}'.`);
    if (info.applied === true) return refuse(`The patch of background agent ${id} is already applied.`);
    if (info.patch === undefined) return refuse(`Background agent ${id} has no result yet (${info.status}).`);
    if (info.patch === '') return refuse(`Background agent ${id} changed no files.`);
    const callId = `${id}-apply`;
    const emit = (body: AgentEventBody): AgentEvent => this.thread.emit(body);
    const outcome = await this.tools.applyExternalPatch(callId, info.patch, { signal, testsAllowed: false, emit }).catch((error: unknown): ToolOutcome => {
      if (PatchError.is(error)) return { ok: false, output: `Not applied, nothing was written (${error.code}): ${error.message}` };
      throw error;
    });
    if (!outcome.ok) return refuse(outcome.output);
    if (outcome.undo !== undefined) {
      this.conversation.undo.push(outcome.undo);
      await this.conversation.session?.append({ type: 'patch', call_id: outcome.undo.call_id, files: outcome.undo.files });
    }
    this.background.markApplied(id);
    this.inputs.note(`[harness] The patch of background agent ${id} was applied to the workspace: ${outcome.output}`);
    this.thread.emit({ type: 'background.applied', agent_id: id, applied: true, message: outcome.output });
    return { ok: true, output: outcome.output };
  }

  /** The `set_model` op: the new model's window is the one the server lists for it (kept when it lists none). */
  private async changeModel(model: string): Promise<void> {
    if (this.driving) throw new AgentError('busy', 'The model cannot change while a turn runs.');
    const listed = await this.connection.listModels().then((models) => models.find((entry) => entry.id === model), () => undefined);
    this.setModel(model, listed?.contextWindow);
  }

  /** The `user_message` op: runs the turn, then queued messages while turns complete. */
  private start(input: string): void {
    if (this.driving) throw new AgentError('busy', 'A turn is already running.');
    this.driving = true;
    void this.drive(input);
  }

  private async drive(input: string): Promise<void> {
    try {
      let next: string | undefined = input;
      while (next !== undefined) {
        const status = await this.turnLoop.run(next);
        next = status === 'completed' ? this.inputs.queued.shift() : undefined;
        if (next !== undefined) this.thread.emit({ type: 'queue.changed', queued: [...this.inputs.queued] });
      }
    } catch (error) {
      const failure = AgentError.from(error);
      this.thread.emit({ type: 'error', code: failure.code, message: failure.message });
    } finally {
      this.driving = false;
      this.thread.emit({ type: 'thread.idle' });
    }
  }
}

/** The lane and priority a thread's every request carries, for its side requests (compaction) too. */
function laneFields(overrides: Partial<CreateParams> | undefined): Pick<CreateParams, 'stream_id' | 'priority'> {
  return {
    ...(overrides?.stream_id === undefined ? {} : { stream_id: overrides.stream_id }),
    ...(overrides?.priority === undefined ? {} : { priority: overrides.priority }),
  };
}
