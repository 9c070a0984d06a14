import type { CreateParams, ResponsesConnection } from '@spark/client';
import { renderTranscript, splitForCompaction, summaryMessage, SUMMARY_INSTRUCTIONS } from '../context/compact-history.js';
import type { ContextBudget } from '../context/context-budget.js';
import { CHARS_PER_TOKEN } from '../context/estimate-tokens.js';
import { pruneToolOutputs } from '../context/prune-tool-outputs.js';
import { AgentError } from './agent-error.js';
import type { AgentEventBody } from './agent-events.js';
import type { Conversation } from './conversation.js';
import type { TurnInputs } from './turn-inputs.js';

/** Longest summary the compaction request may write, in tokens. */
export const SUMMARY_MAX_OUTPUT_TOKENS = 1024;

type CompactionEvent = Extract<AgentEventBody, { type: 'compaction' }>;

/**
 * Keeps the prompt inside the model's window: measures it (the budget), prunes old tool outputs,
 * and summarises older turns with a model request.
 */
export class ContextFitter {
  /** A model response completed since the last compaction: the guard against compaction loops. */
  progressSinceCompaction = true;

  constructor(
    readonly budget: ContextBudget,
    /** Instructions plus tool definitions: the prompt part every request repeats (for token estimates). */
    readonly fixedText: string,
    private readonly conversation: Conversation,
    private readonly inputs: TurnInputs,
    /** Fields every request of this thread carries (a background agent's lane and priority). */
    private readonly laneFields: Pick<CreateParams, 'stream_id' | 'priority'> = {},
  ) {}

  /** Prompt tokens of the history as it stands. */
  get tokens(): number {
    return this.budget.estimate(this.fixedText, this.conversation.history);
  }

  private withUnsent(): number {
    return this.budget.estimate(this.fixedText, [...this.conversation.history, ...this.inputs.unsent]);
  }

  /**
   * Keeps the next prompt inside the window: old tool outputs go first, then older turns are
   * summarised. A second compaction needs a completed response in between, so a history that
   * cannot be made to fit ends the turn with `context_exhausted` instead of looping.
   */
  async fit(connection: ResponsesConnection, model: string, signal: AbortSignal, emit: (event: AgentEventBody) => void): Promise<void> {
    const before = this.withUnsent();
    if (before <= this.budget.compactThreshold) return;
    if (!this.progressSinceCompaction) {
      throw new AgentError('context_exhausted', `The conversation needs ~${before} tokens of the model's ${this.budget.promptLimit}-token prompt budget even after compaction; start a new session or ask for less output.`);
    }
    await this.compact(before, connection, model, signal, emit, false);
  }

  /**
   * The server refused the prompt as longer than the model's window (`context_length_exceeded`,
   * before any token): the estimate was low, so this compacts whatever it says, pruning and then
   * summarising. The guard of `fit` holds: without a completed response since the last
   * compaction, or with nothing left to compact, the turn ends with `context_exhausted`.
   */
  async overflowed(connection: ResponsesConnection, model: string, signal: AbortSignal, emit: (event: AgentEventBody) => void): Promise<void> {
    const before = this.withUnsent();
    if (!this.progressSinceCompaction) {
      throw new AgentError('context_exhausted', `The server refused the conversation (~${before} tokens estimated) as longer than the model's window even after compaction; start a new session or ask for less output.`);
    }
    const compacted = await this.compact(before, connection, model, signal, emit, true);
    if (!compacted) {
      throw new AgentError('context_exhausted', `The server refused the conversation (~${before} tokens estimated) as longer than the model's window, and nothing older is left to compact; start a new session or send less.`);
    }
  }

  /** Prunes old tool outputs, then summarises older turns (unless pruning reached the target and `force` is off). Whether anything changed. */
  private async compact(before: number, connection: ResponsesConnection, model: string, signal: AbortSignal, emit: (event: AgentEventBody) => void, force: boolean): Promise<boolean> {
    this.progressSinceCompaction = false;
    const pruned = pruneToolOutputs(this.conversation.history);
    if (pruned.prunedChars > 0) {
      await this.replace(pruned.history);
      const after = this.withUnsent();
      emit({ type: 'compaction', kind: 'prune', tokens_before: before, tokens_after: after });
      if (!force && after <= this.budget.compactTarget) return true;
    }
    const event = await this.summarize(connection, model, signal);
    if (event !== undefined) emit(event);
    const after = this.withUnsent();
    if (after > this.budget.promptLimit) {
      throw new AgentError('context_exhausted', `The current turn alone needs ~${after} tokens, more than the model's ${this.budget.promptLimit}-token prompt budget.`);
    }
    return pruned.prunedChars > 0 || event !== undefined;
  }

  /** Summarises older turns into one message; undefined when there is nothing older to summarise. */
  async summarize(connection: ResponsesConnection, model: string, signal: AbortSignal): Promise<CompactionEvent | undefined> {
    const fixed = this.fixedText;
    const history = this.conversation.history;
    const before = this.budget.estimate(fixed, history);
    const split = splitForCompaction(history, Math.floor(this.budget.compactTarget / 2));
    if (split.older.length === 0) return undefined;
    const transcriptChars = Math.max(1000, (this.budget.promptLimit - SUMMARY_MAX_OUTPUT_TOKENS - 500) * CHARS_PER_TOKEN);
    let summary = '';
    const params: CreateParams = {
      model,
      instructions: SUMMARY_INSTRUCTIONS,
      input: renderTranscript(split.older, transcriptChars),
      store: false,
      max_output_tokens: SUMMARY_MAX_OUTPUT_TOKENS,
      ...this.laneFields,
    };
    for await (const event of connection.stream(params, { signal })) {
      if (event.type === 'response.output_text.delta') summary += event.delta;
      if (event.type === 'response.failed') throw new AgentError('compaction_failed', event.response.error?.message ?? 'The summary request failed.');
    }
    if (signal.aborted) throw new AgentError('interrupted', 'Interrupted during compaction.');
    await this.replace([summaryMessage(summary || '(no summary)', split.currentRequest), ...split.recent]);
    return { type: 'compaction', kind: 'summary', tokens_before: before, tokens_after: this.budget.estimate(fixed, this.conversation.history) };
  }

  private async replace(items: Parameters<Conversation['replace']>[0]): Promise<void> {
    await this.conversation.replace(items);
    this.budget.forgetUsage();
  }
}
