import type { Token } from 'node-llama-cpp';
import type { ConversationItem } from '@spark/engine';
import { alignOutput } from './align-output.js';
import { LlamaStateData, type StateOwner } from './continuation-state.js';
import { PROBE_USER_TURN, type GenerationPlan } from './generation-plan.js';
import type { LlamaGenerationState } from './llama-engine-event.js';
import { stripLlamaTextPrefix } from './llama-text-prefix.js';
import { commonPrefixLength } from './pick-sequence-slot.js';
import { renderConversation, type RenderTarget } from './render-conversation.js';

export interface GenerationStateInputs {
  readonly owner: StateOwner;
  readonly target: RenderTarget;
  readonly plan: GenerationPlan;
  /** What the sequence's KV cache holds now. */
  readonly cached: readonly Token[];
  /** The items the generation produced, as emitted. */
  readonly output: readonly ConversationItem[];
}

/**
 * The state a generation leaves for a continuation: the prompt, then the output tokens in the KV
 * cache (the last sampled token is never evaluated, so it is not among them) as far as their
 * text is the emitted output rendered back; evaluated tokens the client never saw (text held
 * back at an abort, half a character, a look past a call for another one) are left out, so the
 * state's tokens start every continuation. Undefined when the cache does not hold the whole
 * prompt (the generation was aborted during prefill).
 */
export function generationState(inputs: GenerationStateInputs): LlamaGenerationState | undefined {
  const { owner, target, plan, cached, output } = inputs;
  const prompt = plan.promptTokens;
  if (commonPrefixLength(cached, prompt) < prompt.length) return undefined;
  const items = [...plan.conversation, ...output];
  const generated = cached.slice(prompt.length);
  let kept = 0;
  if (generated.length > 0) {
    // Render the history as a continuation will: followed by the results of its calls, or by
    // a new user turn; the output tokens must begin the text after the prompt.
    const calls = output.filter((item): item is Extract<ConversationItem, { type: 'tool_call' }> => item.type === 'tool_call');
    const next: ConversationItem[] = calls.length > 0 ? calls.map((call) => ({ type: 'tool_result', callId: call.callId, output: '' })) : [PROBE_USER_TURN];
    const rendered = renderConversation(target, [...items, ...next], plan.functions).text;
    const after = stripLlamaTextPrefix(rendered, plan.promptText);
    if (after) kept = alignOutput(target.model, after, generated, prompt).kept;
  }
  const tokens = Object.freeze([...prompt, ...generated.slice(0, kept)]);
  return {
    engine: owner.engine,
    model: owner.model,
    data: new LlamaStateData(owner.modelPath, tokens, items, plan.promptText, prompt.length),
  };
}
