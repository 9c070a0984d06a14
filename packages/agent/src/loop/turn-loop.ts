import { ClientError, type CreateParams, type ResponsesConnection } from '@spark/client';
import { isToolCall, isToolOutput, toolOutputFor, userMessage, type ToolCallItem } from '../history/history-item.js';
import type { ActiveTurn } from './active-turn.js';
import { AgentError } from './agent-error.js';
import type { AgentEventBody, TurnStatus } from './agent-events.js';
import { asksForTests } from './asks-for-tests.js';
import type { Conversation } from './conversation.js';
import type { ContextFitter } from './fit-context.js';
import { contentOf, type ResponseFolder } from './fold-response.js';
import { describeLoop, LoopWatch } from './loop-watch.js';
import { ResponseAccumulator } from './response-accumulator.js';
import type { ToolRunner } from './tool-runner.js';
import type { TurnInputs } from './turn-inputs.js';
import { buildRequest, type RequestBase } from './warm-chain.js';

/** Model requests one user turn may make before the harness stops it. */
export const DEFAULT_MAX_STEPS_PER_TURN = 50;

export interface TurnLoopOptions {
  connection: ResponsesConnection;
  conversation: Conversation;
  inputs: TurnInputs;
  context: ContextFitter;
  folder: ResponseFolder;
  tools: ToolRunner;
  /** The request every step repeats; `model` changes with the `set_model` op. */
  request: RequestBase;
  emit: (event: AgentEventBody) => void;
  maxStepsPerTurn: number;
  /** Fields only a turn's first request carries (`AgentOptions.firstStepOverrides`). */
  firstStepOverrides?: Partial<CreateParams> | undefined;
  testsAllowed: boolean;
  loopGuard: boolean;
}

/**
 * One user turn: send the conversation, stream the answer into history, run the tool calls it
 * asks for, send the results back, until the model answers without calling tools (or the turn
 * is interrupted, repeats itself, fails, or runs out of steps).
 */
export class TurnLoop {
  /** The turn running now; the verbs (steer, interrupt) act on it. */
  active: ActiveTurn | undefined;
  /** The id events carry: the running turn's, until its `turn.completed` is out. */
  turnId: string | null = null;

  constructor(private readonly options: TurnLoopOptions) {}

  async run(input: string): Promise<TurnStatus> {
    if (this.active !== undefined) throw new AgentError('busy', 'A turn is already running.');
    try {
      return await this.runTurn(input);
    } finally {
      this.turnId = null;
    }
  }

  private async runTurn(input: string): Promise<TurnStatus> {
    const { conversation, inputs, emit } = this.options;
    const session = conversation.session;
    conversation.turns += 1;
    const turn = conversation.turns;
    const controller = new AbortController();
    const active: ActiveTurn = {
      id: `turn-${turn}`, controller, request: undefined, responseId: undefined, steerInFlight: [],
      loopWatch: this.options.loopGuard ? new LoopWatch() : undefined, loop: undefined, patchStop: undefined,
    };
    this.active = active;
    this.turnId = active.id;
    const testsAllowed = this.options.testsAllowed || asksForTests(input);
    emit({ type: 'turn.started', turn, input });
    let status: TurnStatus = 'completed';
    let finalMessage = '';
    let steps = 0;
    try {
      // Queued, not awaited: the model's TTFT clock starts when the request leaves, so the disk
      // must not sit in front of it; a failed write still fails the turn at its flush below.
      session?.append({ type: 'turn', turn, input }).catch(() => undefined);
      conversation.add(userMessage(input));
      for (;;) {
        if (controller.signal.aborted) { status = 'interrupted'; break; }
        if (steps >= this.options.maxStepsPerTurn) { status = 'max_steps'; break; }
        steps += 1;
        await this.refreshStaleFiles();
        await this.options.context.fit(this.options.connection, this.options.request.model, controller.signal, emit);
        const result = await this.streamFitted(active, steps === 1);
        if (result.text !== '') finalMessage = result.text;
        if (controller.signal.aborted) { status = 'interrupted'; break; }
        if (active.loop !== undefined) { status = 'repetition'; break; }
        if (await this.answerStoppedPatch(active)) continue;
        const calls = this.unansweredCalls();
        if (calls.length === 0) {
          if (inputs.awaitingSuccessor) { inputs.awaitingSuccessor = false; continue; }
          if (inputs.waiting) continue;
          break;
        }
        if (inputs.serverHeldSteer !== undefined) {
          await conversation.push(inputs.serverHeldSteer);
          emit({ type: 'steer.applied', text: contentOf(inputs.serverHeldSteer), how: 'with_tool_results' });
        }
        await this.runCalls(calls, active, testsAllowed);
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
      // Every call in history needs an answer, or the next request is invalid.
      for (const call of this.unansweredCalls()) {
        await conversation.push(toolOutputFor(call, active.loop?.kind === 'call'
          ? '[not run: the same call was made again and again, so the harness stopped the turn]'
          : '[not run: the user interrupted the turn before this call ran]'));
      }
      inputs.serverHeldSteer = undefined;
      this.active = undefined;
      await session?.flush();
    }
    emit({ type: 'turn.completed', turn, status, final_message: finalMessage, steps });
    return status;
  }

  private async runCalls(calls: ToolCallItem[], active: ActiveTurn, testsAllowed: boolean): Promise<void> {
    const { conversation, emit } = this.options;
    const signal = active.controller.signal;
    for (const call of calls) {
      if (signal.aborted) break;
      const loop = active.loopWatch?.call(call.name, call.type === 'function_call' ? call.arguments : call.input);
      if (loop !== undefined) {
        active.loop = loop;
        emit({ type: 'warning', code: 'repetition', message: describeLoop(loop) });
        break;
      }
      emit({ type: 'tool_call', call_id: call.call_id, name: call.name, input: call.type === 'function_call' ? call.arguments : call.input });
      const started = performance.now();
      const outcome = await this.options.tools.run(call, { signal, testsAllowed, emit });
      // On the undo stack before anything else awaits: a snapshot after `patch.applied` lists it.
      if (outcome.undo !== undefined) conversation.undo.push(outcome.undo);
      await conversation.push(toolOutputFor(call, outcome.output));
      if (outcome.undo !== undefined) await conversation.session?.append({ type: 'patch', call_id: outcome.undo.call_id, files: outcome.undo.files });
      emit({
        type: 'tool_result', call_id: call.call_id, name: call.name, ok: outcome.ok, output: outcome.output,
        ...(outcome.exitCode === undefined ? {} : { exit_code: outcome.exitCode }), duration_ms: outcome.durationMs ?? Math.round(performance.now() - started),
      });
    }
  }

  /**
   * One step; when the server refuses it as longer than the model's window (before any token,
   * so nothing streamed), the history is compacted and the step sent once more.
   */
  private async streamFitted(active: ActiveTurn, first: boolean): Promise<{ text: string }> {
    try {
      return await this.streamStep(active, first);
    } catch (error) {
      if (!(error instanceof ClientError && error.code === 'context_length_exceeded') || active.controller.signal.aborted) throw error;
      const { connection, context, request, emit } = this.options;
      emit({ type: 'warning', code: 'context_length_exceeded', message: "The server refused the conversation as longer than the model's window; compacting it and sending again." });
      await context.overflowed(connection, request.model, active.controller.signal, emit);
      return await this.streamStep(active, first);
    }
  }

  /** Sends one request and streams it (plus a steered successor) into history. */
  private async streamStep(active: ActiveTurn, first: boolean): Promise<{ text: string }> {
    const { connection, conversation, inputs, emit } = this.options;
    for (let attempt = 0; ; attempt += 1) {
      const request = new AbortController();
      const onTurnAbort = (): void => request.abort(active.controller.signal.reason);
      active.controller.signal.addEventListener('abort', onTurnAbort, { once: true });
      active.request = request;
      const built = await buildRequest(this.options.request, conversation, inputs, connection);
      const sentItems = built.sentItems;
      const params = first && this.options.firstStepOverrides !== undefined ? { ...built.params, ...this.options.firstStepOverrides } : built.params;
      const state = new ResponseAccumulator();
      const sentAt = performance.now();
      try {
        let text = '';
        for await (const event of connection.stream(params, { signal: request.signal })) {
          const done = await this.options.folder.fold(event, state, active, emit, { sentAt, sentItems });
          if (done !== undefined) text = done;
        }
        return { text };
      } catch (error) {
        const code = error instanceof ClientError ? error.code : undefined;
        if (request.signal.aborted) {
          // Aborted before the server confirmed: keep what streamed, as the server would have.
          const reason: unknown = request.signal.reason;
          if (state.text !== '') {
            await conversation.push({ type: 'message', role: 'assistant', content: state.text });
            // The user did not stop this one: show what is kept, as for any partial response.
            if (reason instanceof AgentError && reason.code === 'repetition') emit({ type: 'message', text: state.text, partial: true });
          }
          conversation.chain = undefined;
          if (reason instanceof AgentError && reason.code === 'steered') {
            emit({ type: 'steer.applied', text: contentOf(inputs.pending.at(-1)), how: 'next_request' });
          }
          return { text: state.text };
        }
        if (attempt === 0 && state.responseId === undefined && (code === 'previous_response_not_found' || code === 'connection_closed')) {
          // The server lost the chain (reconnect, eviction): resend the whole history once.
          conversation.chain = undefined;
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

  /**
   * Puts a call the agent stopped mid-stream in history with its answer (what did not match), so
   * the next request lets the model retry at once. False when there is none, or when the call
   * finished before the stop took effect (then it is in history and runs as usual).
   */
  private async answerStoppedPatch(active: ActiveTurn): Promise<boolean> {
    const stop = active.patchStop;
    active.patchStop = undefined;
    if (stop === undefined) return false;
    const { conversation, emit } = this.options;
    if (conversation.history.some((item) => isToolCall(item) && item.call_id === stop.callId)) return false;
    const call: ToolCallItem = { type: 'custom_tool_call', call_id: stop.callId, name: stop.name, input: stop.input };
    await conversation.push(call);
    await conversation.push(toolOutputFor(call, stop.output));
    emit({ type: 'tool_call', call_id: stop.callId, name: stop.name, input: stop.input });
    emit({ type: 'tool_result', call_id: stop.callId, name: stop.name, ok: false, output: stop.output, duration_ms: 0 });
    return true;
  }

  /** Calls at the end of history that have no output yet. */
  private unansweredCalls(): ToolCallItem[] {
    const history = this.options.conversation.history;
    const answered = new Set(history.filter(isToolOutput).map((item) => item.call_id));
    return history.filter((item): item is ToolCallItem => isToolCall(item) && !answered.has(item.call_id));
  }

  /** Files the model read that changed on disk since are re-read, not trusted. */
  private async refreshStaleFiles(): Promise<void> {
    const { tools, inputs, emit } = this.options;
    const tracker = tools.fileTracker;
    if (tracker.size === 0) return;
    for (const { path, deleted } of await tracker.findStale()) {
      emit({ type: 'file.reread', path, deleted });
      if (deleted) {
        tracker.forget(path);
        inputs.note(`[harness] ${path} was deleted on disk since you read it.`);
      } else {
        const text = await tools.rereadForNote(path);
        inputs.note(`[harness] ${path} changed on disk since you read it (not by you). Its current content:\n${text}`);
      }
    }
  }
}
