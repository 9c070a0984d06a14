import { ClientError, type ClientEvent, type CreateParams, type ResponsesConnection } from '@spark/client';
import { isTerminal, type ResponseObject } from '@spark/protocol';
import type { ApprovalMode } from '../policy/decide-command.js';
import type { SandboxSetting, ShellConfinement } from '../sandbox/shell-confinement.js';
import { ContextBudget, type ContextBudgetOptions } from '../context/context-budget.js';
import { renderTranscript, splitForCompaction, summaryMessage, SUMMARY_INSTRUCTIONS } from '../context/compact-history.js';
import { CHARS_PER_TOKEN } from '../context/estimate-tokens.js';
import { FileTracker } from '../context/file-tracker.js';
import { pruneToolOutputs } from '../context/prune-tool-outputs.js';
import {
  historyFromOutput, isToolCall, isToolOutput, toInputItems, toolOutputFor, userMessage,
  type HistoryItem, type ToolCallItem,
} from '../history/history-item.js';
import type { Session, UndoEntry } from '../session/session-store.js';
import { AgentError } from './agent-error.js';
import type { AgentEvent, ApprovalHandler, ResponseStats, TurnStatus } from './agent-events.js';
import { describeLoop, LoopWatch, type TurnLoop } from './loop-watch.js';
import { asksForTests } from './asks-for-tests.js';
import { EventChannel } from './event-channel.js';
import { ToolRunner } from './tool-runner.js';

/** Model requests one user turn may make before the harness stops it. */
export const DEFAULT_MAX_STEPS_PER_TURN = 50;
/** Longest summary the compaction request may write, in tokens. */
export const SUMMARY_MAX_OUTPUT_TOKENS = 1024;

export interface AgentOptions {
  connection: ResponsesConnection;
  model: string;
  /** Absolute path; every tool is confined to it. */
  workspace: string;
  /** The full system prompt (base prompt, environment, AGENTS.md): built by `buildInstructions`. */
  instructions: string;
  /** Tool definitions as sent in `tools`. */
  tools: readonly unknown[];
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
  /** Asked for every 'ask' verdict; without one, those are denied. */
  approve?: ApprovalHandler;
  session?: Session;
  /** Where a resumed or forked session stands. */
  resume?: { history: HistoryItem[]; undo: UndoEntry[]; turns: number };
  maxStepsPerTurn?: number;
  shellTimeoutMs?: number;
  shellOutputBytes?: number;
  /** Extra request fields (temperature, max_output_tokens, tool_choice...), e.g. for tests and benches. */
  requestOverrides?: Partial<CreateParams>;
  /** Stop a model that repeats itself (see LoopWatch). Default on. */
  loopGuard?: boolean;
}

/** The warm WebSocket chain: the server holds `items` history items (and their KV) under `responseId`. */
interface Chain {
  responseId: string;
  epoch: number;
  items: number;
}

/** Per-turn state the verbs (steer, interrupt) act on. */
interface ActiveTurn {
  controller: AbortController;
  /** The model request streaming now, if any. */
  request: AbortController | undefined;
  responseId: string | undefined;
  /** A steer sent to the streaming response and not yet resolved. */
  steerInFlight: string[];
  /** Watches for a model that repeats itself; undefined with the loop guard off. */
  loopWatch: LoopWatch | undefined;
  /** The loop that stopped the turn, once found. */
  loop: TurnLoop | undefined;
}

/**
 * The coding agent: a loop over a Responses connection that sends the conversation (only new
 * items on a warm WebSocket chain), streams the answer, runs the tool calls it asks for under the
 * session's policy, and sends the results back, until the model answers without calling tools.
 *
 * Three verbs act on a running turn: `interrupt()` stops it now (the partial answer stays in
 * history), `steer(text)` reaches the model now (mid-generation over WebSocket, else with the next
 * request), `queue(text)` becomes the next turn once this one completes.
 */
export class Agent {
  private readonly connection: ResponsesConnection;
  private readonly options: AgentOptions;
  private readonly budget: ContextBudget;
  private readonly fileTracker: FileTracker;
  private readonly tools: ToolRunner;
  /** Instructions plus tool definitions: the prompt part every request repeats (for token estimates). */
  private readonly fixedText: string;
  private history: HistoryItem[];
  private undoStack: UndoEntry[];
  private turns: number;
  private chain: Chain | undefined;
  /** Steering the server will itself put before the next tool results (a `pending` steer). */
  private serverHeldSteer: HistoryItem | undefined;
  /** Steering to send with the next request. */
  private pendingInput: HistoryItem[] = [];
  /** Harness notes (re-read files, undos) to send with the next request. */
  private notes: HistoryItem[] = [];
  private readonly queued: string[] = [];
  private active: ActiveTurn | undefined;
  /** A steer was accepted without tool calls: its successor response should follow on the stream. */
  private awaitingSuccessor = false;
  /** A model response completed since the last compaction: the guard against compaction loops. */
  private progressSinceCompaction = true;

  constructor(options: AgentOptions) {
    this.options = options;
    this.connection = options.connection;
    this.budget = new ContextBudget({ contextWindow: options.contextWindow, ...options.budget });
    this.fileTracker = new FileTracker(options.workspace);
    this.fixedText = options.instructions + JSON.stringify(options.tools);
    this.history = [...(options.resume?.history ?? [])];
    this.undoStack = [...(options.resume?.undo ?? [])];
    this.turns = options.resume?.turns ?? 0;
    this.tools = new ToolRunner({
      workspace: options.workspace,
      approval: options.approval,
      networkAllowed: options.networkAllowed ?? false,
      ...(options.confinement === undefined ? {} : { confinement: options.confinement }),
      ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
      fileTracker: this.fileTracker,
      ...(options.approve === undefined ? {} : { approve: options.approve }),
      ...(options.shellTimeoutMs === undefined ? {} : { shellTimeoutMs: options.shellTimeoutMs }),
      ...(options.shellOutputBytes === undefined ? {} : { shellOutputBytes: options.shellOutputBytes }),
      // One tool result may fill at most an eighth of the window.
      maxOutputChars: Math.floor((options.contextWindow / 8) * CHARS_PER_TOKEN),
    });
  }

  get sessionId(): string | undefined {
    return this.options.session?.id;
  }

  get items(): readonly HistoryItem[] {
    return this.history;
  }

  get queuedMessages(): readonly string[] {
    return this.queued;
  }

  /** What walls this session's shell commands (bubblewrap probed on first use). */
  shellConfinement(): Promise<ShellConfinement> {
    return this.tools.shellConfinement();
  }

  get running(): boolean {
    return this.active !== undefined;
  }

  get transport(): 'websocket' | 'http' {
    return this.connection.kind;
  }

  /** Prompt tokens in use as of the last response (exact) or estimated. */
  get contextTokens(): number {
    return this.budget.estimate(this.fixedText, this.history);
  }

  get contextWindow(): number {
    return this.budget.contextWindow;
  }

  get undoable(): readonly UndoEntry[] {
    return this.undoStack;
  }

  /**
   * Prefills the system prompt and tools on the server (`generate: false`) so the first turn
   * starts hot. WebSocket only: over HTTP nothing would be kept for the next request.
   */
  async warmup(signal?: AbortSignal): Promise<void> {
    if (this.connection.kind !== 'websocket' || this.history.length > 0) return;
    let responseId: string | undefined;
    for await (const event of this.connection.stream({ ...this.baseRequest(), input: [], generate: false }, signal === undefined ? {} : { signal })) {
      if (isTerminal(event)) responseId = event.response.id;
    }
    if (responseId !== undefined) this.chain = { responseId, epoch: this.connection.connectionEpoch, items: 0 };
  }

  /**
   * Runs one user turn (and then any queued messages) to the end, streaming events. Breaking
   * out of the loop interrupts the turn.
   */
  run(input: string, options: { signal?: AbortSignal } = {}): AsyncIterable<AgentEvent> {
    const channel = new EventChannel<AgentEvent>(() => this.interrupt());
    const work = async (): Promise<void> => {
      let next: string | undefined = input;
      while (next !== undefined) {
        const status = await this.runTurn(next, channel, options.signal);
        next = status === 'completed' ? this.queued.shift() : undefined;
        if (next !== undefined) channel.push({ type: 'queue.changed', queued: [...this.queued] });
      }
    };
    work().then(() => channel.end(), (error: unknown) => channel.fail(error));
    return channel;
  }

  /** Stops the running turn now; the partial answer stays in history. */
  interrupt(): void {
    this.active?.controller.abort(new AgentError('interrupted', 'Interrupted by the user.'));
  }

  /**
   * Gives the model `text` now: over WebSocket a streaming response is steered at its next
   * token (`response.steer`); otherwise the text goes out with the next request of this turn.
   * Without a running turn it is the same as `queue`.
   */
  steer(text: string): 'sent' | 'next_request' | 'queued' {
    const active = this.active;
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
      this.pendingInput.push(userMessage(text));
      active.request.abort(new AgentError('steered', 'Steered over HTTP.'));
      return 'sent';
    }
    this.pendingInput.push(userMessage(text));
    return 'next_request';
  }

  /** Runs `text` as the next turn once the current one completes. */
  queue(text: string): void {
    this.queued.push(text);
  }

  /** Edits or removes (text undefined) a queued message. */
  editQueued(index: number, text: string | undefined): void {
    if (index < 0 || index >= this.queued.length) throw new RangeError(`No queued message ${index}`);
    if (text === undefined) this.queued.splice(index, 1);
    else this.queued[index] = text;
  }

  /** Moves a queued message to steering now. */
  promoteQueued(index: number): 'sent' | 'next_request' | 'queued' {
    const [text] = this.queued.splice(index, 1);
    if (text === undefined) throw new RangeError(`No queued message ${index}`);
    return this.steer(text);
  }

  /** Restores the files of the last applied patch; the model hears about it with the next request. */
  async undo(): Promise<{ call_id: string; restored: string[] } | undefined> {
    const entry = this.undoStack.at(-1);
    if (entry === undefined) return undefined;
    const restored = await this.tools.undo(entry);
    this.undoStack.pop();
    await this.options.session?.append({ type: 'undo', call_id: entry.call_id });
    this.notes.push(userMessage(`[harness] The user undid your patch (call ${entry.call_id}); these files are back to their earlier content: ${restored.join(', ')}. Re-read them before editing again.`));
    return { call_id: entry.call_id, restored };
  }

  /** Summarises older turns now (the /compact command). */
  async compact(signal?: AbortSignal): Promise<AgentEvent | undefined> {
    return this.summarize(signal ?? new AbortController().signal);
  }

  private async runTurn(input: string, channel: EventChannel<AgentEvent>, outer: AbortSignal | undefined): Promise<TurnStatus> {
    if (this.active !== undefined) throw new AgentError('busy', 'A turn is already running.');
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted === true) controller.abort(outer.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const active: ActiveTurn = {
      controller, request: undefined, responseId: undefined, steerInFlight: [], loopWatch: this.options.loopGuard === false ? undefined : new LoopWatch(), loop: undefined,
    };
    this.active = active;
    this.turns += 1;
    const turn = this.turns;
    const testsAllowed = (this.options.testsAllowed ?? false) || asksForTests(input);
    const emit = (event: AgentEvent): void => channel.push(event);
    emit({ type: 'turn.started', turn, input });
    await this.options.session?.append({ type: 'turn', turn, input });
    await this.push(userMessage(input));
    let status: TurnStatus = 'completed';
    let finalMessage = '';
    let steps = 0;
    try {
      for (;;) {
        if (controller.signal.aborted) { status = 'interrupted'; break; }
        if (steps >= (this.options.maxStepsPerTurn ?? DEFAULT_MAX_STEPS_PER_TURN)) { status = 'max_steps'; break; }
        steps += 1;
        await this.refreshStaleFiles(emit);
        await this.fitContext(controller.signal, emit);
        const result = await this.streamStep(active, emit);
        if (result.text !== '') finalMessage = result.text;
        if (controller.signal.aborted) { status = 'interrupted'; break; }
        if (active.loop !== undefined) { status = 'repetition'; break; }
        const calls = this.unansweredCalls();
        if (calls.length === 0) {
          if (this.awaitingSuccessor) { this.awaitingSuccessor = false; continue; }
          if (this.pendingInput.length > 0 || this.notes.length > 0) continue;
          break;
        }
        if (this.serverHeldSteer !== undefined) {
          await this.push(this.serverHeldSteer);
          emit({ type: 'steer.applied', text: contentOf(this.serverHeldSteer), how: 'with_tool_results' });
        }
        for (const call of calls) {
          if (controller.signal.aborted) break;
          const loop = active.loopWatch?.call(call.name, call.type === 'function_call' ? call.arguments : call.input);
          if (loop !== undefined) {
            active.loop = loop;
            emit({ type: 'warning', code: 'repetition', message: describeLoop(loop) });
            break;
          }
          emit({ type: 'tool_call', call_id: call.call_id, name: call.name, input: call.type === 'function_call' ? call.arguments : call.input });
          const started = performance.now();
          const outcome = await this.tools.run(call, { signal: controller.signal, testsAllowed, emit });
          await this.push(toolOutputFor(call, outcome.output));
          if (outcome.undo !== undefined) {
            this.undoStack.push(outcome.undo);
            await this.options.session?.append({ type: 'patch', call_id: outcome.undo.call_id, files: outcome.undo.files });
          }
          emit({
            type: 'tool_result', call_id: call.call_id, name: call.name, ok: outcome.ok, output: outcome.output,
            ...(outcome.exitCode === undefined ? {} : { exit_code: outcome.exitCode }), duration_ms: Math.round(performance.now() - started),
          });
        }
        if (active.loop !== undefined) { status = 'repetition'; break; }
      }
    } catch (error) {
      if (controller.signal.aborted) status = 'interrupted';
      else {
        status = 'failed';
        const failure = AgentError.from(error);
        emit({ type: 'error', code: failure.code, message: failure.message });
      }
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
      // Every call in history needs an answer, or the next request is invalid.
      for (const call of this.unansweredCalls()) {
        await this.push(toolOutputFor(call, active.loop?.kind === 'call'
          ? '[not run: the same call was made again and again, so the harness stopped the turn]'
          : '[not run: the user interrupted the turn before this call ran]'));
      }
      this.serverHeldSteer = undefined;
      this.active = undefined;
      await this.options.session?.flush();
    }
    emit({ type: 'turn.completed', turn, status, final_message: finalMessage, steps });
    return status;
  }

  /** Sends one request and streams it (plus a steered successor) into history. */
  private async streamStep(active: ActiveTurn, emit: (event: AgentEvent) => void): Promise<{ text: string }> {
    for (let attempt = 0; ; attempt += 1) {
      const request = new AbortController();
      const onTurnAbort = (): void => request.abort(active.controller.signal.reason);
      active.controller.signal.addEventListener('abort', onTurnAbort, { once: true });
      active.request = request;
      const { params, sentItems } = await this.buildRequest();
      const state = new ResponseAccumulator();
      const sentAt = performance.now();
      try {
        let text = '';
        for await (const event of this.connection.stream(params, { signal: request.signal })) {
          const done = await this.onEvent(event, state, active, emit, { sentAt, sentItems });
          if (done !== undefined) text = done;
        }
        return { text };
      } catch (error) {
        const code = error instanceof ClientError ? error.code : undefined;
        if (request.signal.aborted) {
          // Aborted before the server confirmed: keep what streamed, as the server would have.
          const reason: unknown = request.signal.reason;
          if (state.text !== '') {
            await this.push({ type: 'message', role: 'assistant', content: state.text });
            // The user did not stop this one: show what is kept, as for any partial response.
            if (reason instanceof AgentError && reason.code === 'repetition') emit({ type: 'message', text: state.text, partial: true });
          }
          this.chain = undefined;
          if (reason instanceof AgentError && reason.code === 'steered') {
            emit({ type: 'steer.applied', text: contentOf(this.pendingInput.at(-1)), how: 'next_request' });
          }
          return { text: state.text };
        }
        if (attempt === 0 && state.responseId === undefined && (code === 'previous_response_not_found' || code === 'connection_closed')) {
          // The server lost the chain (reconnect, eviction): resend the whole history once.
          this.chain = undefined;
          emit({ type: 'warning', code: code, message: 'The server no longer holds this conversation; resending the full history.' });
          continue;
        }
        throw error;
      } finally {
        active.controller.signal.removeEventListener('abort', onTurnAbort);
        active.request = undefined;
        active.responseId = undefined;
      }
    }
  }

  /** Handles one client event; returns the final text when a response ends. */
  private async onEvent(
    event: ClientEvent,
    state: ResponseAccumulator,
    active: ActiveTurn,
    emit: (event: AgentEvent) => void,
    request: { sentAt: number; sentItems: number },
  ): Promise<string | undefined> {
    switch (event.type) {
      case 'response.created':
        this.awaitingSuccessor = false;
        active.loopWatch?.nextResponse();
        state.start(event.response.id);
        active.responseId = event.response.id;
        emit({ type: 'response.started', response_id: event.response.id });
        return undefined;
      case 'response.output_text.delta': {
        state.delta(event.delta);
        emit({ type: 'text.delta', response_id: state.responseId ?? '', delta: event.delta });
        const loop = active.loop === undefined ? active.loopWatch?.textDelta(event.delta) : undefined;
        if (loop !== undefined) {
          // Stopped like an interrupt: the partial answer stays in history, the turn ends.
          active.loop = loop;
          emit({ type: 'warning', code: 'repetition', message: describeLoop(loop) });
          active.request?.abort(new AgentError('repetition', describeLoop(loop)));
        }
        return undefined;
      }
      case 'response.output_item.added':
        if (event.item.type === 'function_call' || event.item.type === 'custom_tool_call') state.callIds.set(event.item.id, event.item.call_id);
        return undefined;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        state.markOutput();
        emit({ type: 'tool_input.delta', response_id: state.responseId ?? '', call_id: state.callIds.get(event.item_id) ?? event.item_id, delta: event.delta });
        return undefined;
      case 'response.steer.accepted':
        emit({ type: 'steer.sent', text: active.steerInFlight[0] ?? '', response_id: event.steer.previous_response_id });
        return undefined;
      case 'response.steer.pending':
        return undefined;
      case 'response.steer.failed': {
        // Too late for this response: the text goes with the next request instead.
        const text = active.steerInFlight.shift();
        if (text !== undefined) this.pendingInput.push(userMessage(text));
        return undefined;
      }
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        return this.finishResponse(event.response, state, active, emit, request);
      default:
        return undefined;
    }
  }

  private async finishResponse(
    response: ResponseObject,
    state: ResponseAccumulator,
    active: ActiveTurn,
    emit: (event: AgentEvent) => void,
    request: { sentAt: number; sentItems: number },
  ): Promise<string> {
    const output = historyFromOutput(response.output);
    for (const item of output) await this.push(item);
    const text = output.flatMap((item) => (item.type === 'message' ? [item.content] : [])).join('\n');
    const steered = response.status === 'incomplete' && response.incomplete_details?.reason === 'steered';
    if (text !== '') emit({ type: 'message', text, partial: response.status !== 'completed' });
    const usage = response.usage;
    if (usage !== null) this.budget.recordUsage(this.fixedText, this.history, usage.input_tokens + usage.output_tokens);
    this.chain = { responseId: response.id, epoch: this.connection.connectionEpoch, items: this.history.length };
    if (response.status !== 'failed') this.progressSinceCompaction = true;
    emit({ type: 'response.completed', status: steered ? 'steered' : response.status, stats: state.stats(response, request, this.connection.kind) });
    if (steered) {
      const steerText = active.steerInFlight.shift();
      if (steerText !== undefined) {
        const item = userMessage(steerText);
        if (output.some(isToolCall)) {
          // The server waits for the tool results and puts the steering in front of them itself.
          this.serverHeldSteer = item;
        } else {
            await this.push(item);
          // Until the successor arrives the steering counts as unsent, so it is not lost if none comes.
          this.chain = { responseId: response.id, epoch: this.connection.connectionEpoch, items: this.history.length - 1 };
          this.awaitingSuccessor = true;
          emit({ type: 'steer.applied', text: steerText, how: 'successor' });
        }
      }
      state.reset();
    }
    if (response.status === 'failed') {
      throw new AgentError('response_failed', response.error?.message ?? 'The model response failed.');
    }
    return text;
  }

  private async buildRequest(): Promise<{ params: CreateParams; sentItems: number }> {
    // Steering and notes join the history now, in the order they will reach the model.
    const extra = [...this.notes, ...this.pendingInput];
    this.notes = [];
    this.pendingInput = [];
    for (const item of extra) await this.push(item);
    const chain = this.chain;
    const warm = this.connection.kind === 'websocket' && chain !== undefined && chain.epoch === this.connection.connectionEpoch && chain.items <= this.history.length;
    let items = warm ? this.history.slice(chain.items) : this.history;
    if (warm && this.serverHeldSteer !== undefined) {
      const held = this.serverHeldSteer;
      items = items.filter((item) => item !== held);
    }
    this.serverHeldSteer = undefined;
    const params: CreateParams = {
      ...this.baseRequest(),
      input: toInputItems(items),
      ...(warm ? { previous_response_id: chain.responseId } : {}),
    };
    return { params, sentItems: items.length };
  }

  private baseRequest(): Omit<CreateParams, 'input'> {
    return {
      model: this.options.model,
      instructions: this.options.instructions,
      tools: [...this.options.tools],
      store: false,
      ...(this.sessionId === undefined ? {} : { prompt_cache_key: this.sessionId }),
      ...this.options.requestOverrides,
    };
  }

  /** Calls at the end of history that have no output yet. */
  private unansweredCalls(): ToolCallItem[] {
    const answered = new Set(this.history.filter(isToolOutput).map((item) => item.call_id));
    return this.history.filter((item): item is ToolCallItem => isToolCall(item) && !answered.has(item.call_id));
  }

  private async push(item: HistoryItem): Promise<void> {
    this.history.push(item);
    await this.options.session?.append({ type: 'item', item });
  }

  private async replaceHistory(items: HistoryItem[]): Promise<void> {
    this.history = items;
    this.chain = undefined;
    this.budget.forgetUsage();
    await this.options.session?.append({ type: 'history', reason: 'compaction', items, turns: this.turns });
  }

  /** Files the model read that changed on disk since are re-read, not trusted. */
  private async refreshStaleFiles(emit: (event: AgentEvent) => void): Promise<void> {
    if (this.fileTracker.size === 0) return;
    for (const { path, deleted } of await this.fileTracker.findStale()) {
      emit({ type: 'file.reread', path, deleted });
      if (deleted) {
        this.fileTracker.forget(path);
        this.notes.push(userMessage(`[harness] ${path} was deleted on disk since you read it.`));
      } else {
        const text = await this.tools.rereadForNote(path);
        this.notes.push(userMessage(`[harness] ${path} changed on disk since you read it (not by you). Its current content:\n${text}`));
      }
    }
  }

  /**
   * Keeps the next prompt inside the window: old tool outputs go first, then older turns are
   * summarised. A second compaction needs a completed response in between, so a history that
   * cannot be made to fit ends the turn with `context_exhausted` instead of looping.
   */
  private async fitContext(signal: AbortSignal, emit: (event: AgentEvent) => void): Promise<void> {
    const fixed = this.fixedText;
    const withPending = [...this.history, ...this.notes, ...this.pendingInput];
    const before = this.budget.estimate(fixed, withPending);
    if (before <= this.budget.compactThreshold) return;
    if (!this.progressSinceCompaction) {
      throw new AgentError('context_exhausted', `The conversation needs ~${before} tokens of the model's ${this.budget.promptLimit}-token prompt budget even after compaction; start a new session or ask for less output.`);
    }
    this.progressSinceCompaction = false;
    const pruned = pruneToolOutputs(this.history);
    if (pruned.prunedChars > 0) {
      await this.replaceHistory(pruned.history);
      const after = this.budget.estimate(fixed, [...this.history, ...this.notes, ...this.pendingInput]);
      emit({ type: 'compaction', kind: 'prune', tokens_before: before, tokens_after: after });
      if (after <= this.budget.compactTarget) return;
    }
    const event = await this.summarize(signal);
    if (event !== undefined) emit(event);
    const after = this.budget.estimate(fixed, [...this.history, ...this.notes, ...this.pendingInput]);
    if (after > this.budget.promptLimit) {
      throw new AgentError('context_exhausted', `The current turn alone needs ~${after} tokens, more than the model's ${this.budget.promptLimit}-token prompt budget.`);
    }
  }

  private async summarize(signal: AbortSignal): Promise<AgentEvent | undefined> {
    const fixed = this.fixedText;
    const before = this.budget.estimate(fixed, this.history);
    const split = splitForCompaction(this.history, Math.floor(this.budget.compactTarget / 2));
    if (split.older.length === 0) return undefined;
    const transcriptChars = Math.max(1000, (this.budget.promptLimit - SUMMARY_MAX_OUTPUT_TOKENS - 500) * CHARS_PER_TOKEN);
    let summary = '';
    const params: CreateParams = {
      model: this.options.model,
      instructions: SUMMARY_INSTRUCTIONS,
      input: renderTranscript(split.older, transcriptChars),
      store: false,
      max_output_tokens: SUMMARY_MAX_OUTPUT_TOKENS,
    };
    for await (const event of this.connection.stream(params, { signal })) {
      if (event.type === 'response.output_text.delta') summary += event.delta;
      if (event.type === 'response.failed') throw new AgentError('compaction_failed', event.response.error?.message ?? 'The summary request failed.');
    }
    if (signal.aborted) throw new AgentError('interrupted', 'Interrupted during compaction.');
    await this.replaceHistory([summaryMessage(summary || '(no summary)', split.currentRequest), ...split.recent]);
    return { type: 'compaction', kind: 'summary', tokens_before: before, tokens_after: this.budget.estimate(fixed, this.history) };
  }
}


function contentOf(item: HistoryItem | undefined): string {
  return item?.type === 'message' ? item.content : '';
}

/** What one streamed response has shown so far, for partial output and timing. */
class ResponseAccumulator {
  responseId: string | undefined;
  text = '';
  readonly callIds = new Map<string, string>();
  private firstDeltaAt: number | undefined;
  private lastDeltaAt: number | undefined;

  start(id: string): void {
    this.responseId = id;
  }

  delta(text: string): void {
    this.markOutput();
    this.text += text;
  }

  /** Output arrived (text or tool input): the clock for TTFT and tokens/s. */
  markOutput(): void {
    const now = performance.now();
    this.firstDeltaAt ??= now;
    this.lastDeltaAt = now;
  }

  /** A steered response hands over to its successor. */
  reset(): void {
    this.responseId = undefined;
    this.text = '';
    this.firstDeltaAt = undefined;
    this.lastDeltaAt = undefined;
  }

  stats(response: ResponseObject, request: { sentAt: number; sentItems: number }, transport: 'websocket' | 'http'): ResponseStats {
    const usage = response.usage;
    const output = usage?.output_tokens ?? 0;
    const streamMs = this.firstDeltaAt !== undefined && this.lastDeltaAt !== undefined ? this.lastDeltaAt - this.firstDeltaAt : 0;
    return {
      response_id: response.id,
      input_tokens: usage?.input_tokens ?? 0,
      cached_input_tokens: usage?.input_tokens_details.cached_tokens ?? 0,
      output_tokens: output,
      ttft_ms: this.firstDeltaAt === undefined ? null : Math.round(this.firstDeltaAt - request.sentAt),
      tokens_per_second: output > 1 && streamMs > 0 ? Math.round(((output - 1) / streamMs) * 1000 * 10) / 10 : null,
      transport,
      input_items_sent: request.sentItems,
    };
  }
}
