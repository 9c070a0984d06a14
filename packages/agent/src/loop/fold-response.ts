import type { ClientEvent, ResponsesConnection } from '@spark/client';
import type { ResponseObject } from '@spark/protocol';
import { stoppedPatchOutput, type PatchHunkEvent, type StreamingPatchCheck } from '../apply-patch/streaming-patch-check.js';
import { historyFromOutput, isToolCall, userMessage, type HistoryItem } from '../history/history-item.js';
import type { ActiveTurn } from './active-turn.js';
import { AgentError } from './agent-error.js';
import type { AgentEventBody } from './agent-events.js';
import type { Conversation } from './conversation.js';
import type { ContextFitter } from './fit-context.js';
import { describeLoop } from './loop-watch.js';
import type { ResponseAccumulator } from './response-accumulator.js';
import type { TurnInputs } from './turn-inputs.js';

/** When and how big the request was, for the response's stats. */
export interface SentRequest {
  sentAt: number;
  sentItems: number;
}

export function contentOf(item: HistoryItem | undefined): string {
  return item?.type === 'message' ? item.content : '';
}

/**
 * Folds a response's stream into the thread: deltas become events (and feed the loop guard),
 * a finished response becomes history, usage, the new warm chain, and where a steer goes next.
 */
export class ResponseFolder {
  constructor(
    private readonly conversation: Conversation,
    private readonly inputs: TurnInputs,
    private readonly context: ContextFitter,
    private readonly connection: ResponsesConnection,
    /** Starts the check of an apply_patch call as it streams; undefined: no check (`checkPatchesWhileStreaming` off). */
    private readonly patchCheck?: (callId: string) => StreamingPatchCheck,
  ) {}

  /** Handles one client event; returns the final text when a response ends. */
  async fold(
    event: ClientEvent,
    state: ResponseAccumulator,
    active: ActiveTurn,
    emit: (event: AgentEventBody) => void,
    request: SentRequest,
  ): Promise<string | undefined> {
    switch (event.type) {
      case 'response.created':
        this.inputs.awaitingSuccessor = false;
        active.loopWatch?.nextResponse();
        state.start(event.response.id);
        active.responseId = event.response.id;
        emit({ type: 'response.started', response_id: event.response.id });
        return undefined;
      case 'response.output_text.delta': {
        if (active.patchStop !== undefined) return undefined;
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
        if (event.item.type === 'function_call' || event.item.type === 'custom_tool_call') {
          state.callIds.set(event.item.id, event.item.call_id);
          state.callNames.set(event.item.id, event.item.name);
        }
        if (event.item.type === 'custom_tool_call' && event.item.name === 'apply_patch' && this.patchCheck !== undefined) {
          state.patchChecks.set(event.item.id, this.patchCheck(event.item.call_id));
        }
        return undefined;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        // Stopped for a bad hunk: what was already on its way is dropped, not shown.
        if (active.patchStop !== undefined) return undefined;
        state.markOutput();
        const name = state.callNames.get(event.item_id);
        emit({
          type: 'tool_input.delta', response_id: state.responseId ?? '', call_id: state.callIds.get(event.item_id) ?? event.item_id, delta: event.delta,
          ...(name === undefined ? {} : { name }),
        });
        const check = event.type === 'response.custom_tool_call_input.delta' ? state.patchChecks.get(event.item_id) : undefined;
        if (check !== undefined) this.checkPatch(check, await check.push(event.delta), active, emit);
        return undefined;
      }
      case 'response.custom_tool_call_input.done': {
        // The call is whole: its last part is checked for the UI; the apply that follows decides.
        const check = state.patchChecks.get(event.item_id);
        state.patchChecks.delete(event.item_id);
        if (check !== undefined) for (const verdict of await check.end()) emit(verdict);
        return undefined;
      }
      case 'response.steer.accepted':
        emit({ type: 'steer.sent', text: active.steerInFlight[0] ?? '', response_id: event.steer.previous_response_id });
        return undefined;
      case 'response.steer.pending':
        return undefined;
      case 'response.steer.failed': {
        // Too late for this response: the text goes with the next request instead.
        const text = active.steerInFlight.shift();
        if (text !== undefined) this.inputs.steerNext(text);
        return undefined;
      }
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        return this.finish(event.response, state, active, emit, request);
      default:
        return undefined;
    }
  }

  // The first part that cannot apply stops the response (as an interrupt would) so the model
  // retries at once; the turn answers the call with what did not match and goes on.
  private checkPatch(check: StreamingPatchCheck, verdicts: readonly PatchHunkEvent[], active: ActiveTurn, emit: (event: AgentEventBody) => void): void {
    for (const verdict of verdicts) {
      if (verdict.ok || check.ended || active.patchStop !== undefined || active.request === undefined) {
        emit(verdict);
        continue;
      }
      emit({ ...verdict, stopped: true });
      active.patchStop = { callId: check.callId, name: 'apply_patch', input: check.input, output: stoppedPatchOutput(verdict) };
      active.request.abort(new AgentError('patch_stopped', verdict.message ?? 'A patch hunk cannot apply.'));
    }
  }

  private async finish(
    response: ResponseObject,
    state: ResponseAccumulator,
    active: ActiveTurn,
    emit: (event: AgentEventBody) => void,
    request: SentRequest,
  ): Promise<string> {
    const conversation = this.conversation;
    const output = historyFromOutput(response.output);
    for (const item of output) await conversation.push(item);
    const text = output.flatMap((item) => (item.type === 'message' ? [item.content] : [])).join('\n');
    const steered = response.status === 'incomplete' && response.incomplete_details?.reason === 'steered';
    if (text !== '') emit({ type: 'message', text, partial: response.status !== 'completed' });
    const usage = response.usage;
    if (usage !== null) this.context.budget.recordUsage(this.context.fixedText, conversation.history, usage.input_tokens + usage.output_tokens);
    conversation.chain = { responseId: response.id, epoch: this.connection.connectionEpoch, items: conversation.history.length };
    if (response.status !== 'failed') this.context.progressSinceCompaction = true;
    emit({ type: 'response.completed', status: steered ? 'steered' : response.status, stats: state.stats(response, request, this.connection.kind) });
    if (steered) {
      const steerText = active.steerInFlight.shift();
      if (steerText !== undefined) {
        const item = userMessage(steerText);
        if (output.some(isToolCall)) {
          // The server waits for the tool results and puts the steering in front of them itself.
          this.inputs.serverHeldSteer = item;
        } else {
          await conversation.push(item);
          // Until the successor arrives the steering counts as unsent, so it is not lost if none comes.
          conversation.chain = { responseId: response.id, epoch: this.connection.connectionEpoch, items: conversation.history.length - 1 };
          this.inputs.awaitingSuccessor = true;
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
}
