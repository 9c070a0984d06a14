import { LlamaText, type ChatModelFunctions, type GbnfJsonSchema, type Token } from 'node-llama-cpp';
import { EngineError, type ConversationItem, type GenerateRequest, type ToolSpec } from '@spark/engine';
import type { ContinuationSource } from './continuation-state.js';
import { continuePrompt } from './continue-prompt.js';
import { customToolGbnf } from './lark-to-gbnf.js';
import { commonLlamaTextPrefix } from './llama-text-prefix.js';
import { ANY_JSON_OBJECT_SCHEMA, normalizeJsonSchema } from './normalize-json-schema.js';
import { EXACT_CHARS_PER_TOKEN } from './tokenizer/bounded-tokenize.js';
import { renderConversation, type RenderTarget } from './render-conversation.js';
import type { PromptTokenizer } from './tokenizer/prompt-tokenizer.js';

/** A turn appended to a render only to see where the next turn would begin (prefill-only requests). */
export const PROBE_USER_TURN: ConversationItem = { type: 'user', text: '.' };

/**
 * A tool the model may call in this generation: a function's arguments are JSON valid against
 * `schema`; a custom (freeform) tool's input is raw text, constrained by `gbnf` (its converted
 * grammar) when it gave one.
 */
export type ToolPlan =
  | { readonly name: string; readonly kind: 'function'; readonly schema: GbnfJsonSchema }
  | { readonly name: string; readonly kind: 'custom'; readonly gbnf: string | undefined };

/** The line that tells the model a custom tool's input is written as it is. */
export const CUSTOM_TOOL_INPUT_NOTE = 'Its input is raw text, not JSON.';

/** Where decoding starts: free text, the name of a forced call, or the arguments of a named one. */
export type StartMode = { type: 'text' } | { type: 'call-name' } | { type: 'call-arguments'; name: string };

export interface GenerationPlan {
  readonly promptTokens: Token[];
  /** The text `promptTokens` represent. */
  readonly promptText: LlamaText;
  /** The whole conversation the prompt renders: a continued state's items, then the request's. */
  readonly conversation: readonly ConversationItem[];
  /** Functions documented in the prompt (needed to render the same history again). */
  readonly functions: ChatModelFunctions | undefined;
  /**
   * Evaluate the prompt and generate nothing. The prompt then stops where the next turn would
   * begin (before the generation prompt), so whatever is sent next extends it.
   */
  readonly prefillOnly: boolean;
  readonly stopTexts: readonly string[];
  /** Tools that may be called; empty when tools are not offered (none given, or tool_choice none). */
  readonly tools: ReadonlyMap<string, ToolPlan>;
  /** Names the model may call (all tools, or the named one); empty when no call can happen. */
  readonly callNames: readonly string[];
  readonly start: StartMode;
  /** Whether free text is watched for the call prefix (tool_choice auto). */
  readonly detectCallsInText: boolean;
  readonly parallelToolCalls: boolean;
  /** Grammar for the whole text, for structured output. */
  readonly textGrammar: { type: 'json_object' } | { type: 'json_schema'; schema: GbnfJsonSchema } | undefined;
  /** Cap on sampled tokens: max_output_tokens, and what the context has room for. */
  readonly maxOutputTokens: number;
  /** The request's `prediction` as tokens (at most a context's worth), for speculative decoding. */
  readonly predictionTokens: Token[] | undefined;
}

export interface PlanTarget extends RenderTarget {
  readonly id: string;
  readonly contextSize: number;
  /** Tokenizes prompts off the event loop, stopping at the window. */
  readonly tokenizer: PromptTokenizer;
}

/**
 * Validates a request against one model, renders its prompt and tokenizes it (off the event
 * loop when it is large, and never past the window), before any sequence is taken, so bad
 * requests fail before the first event. With `from` (a validated `continueFrom`) the request's
 * items follow the state's and only the text after the state is tokenized. Rejects with
 * EngineError 'invalid_request' or 'context_length_exceeded'.
 */
export async function planGeneration(target: PlanTarget, request: GenerateRequest, from?: ContinuationSource): Promise<GenerationPlan> {
  if (request.maxOutputTokens !== undefined && (!Number.isInteger(request.maxOutputTokens) || request.maxOutputTokens < 1)) {
    throw new EngineError('invalid_request', 'max_output_tokens must be a positive integer.', { param: 'max_output_tokens' });
  }
  const choice = request.toolChoice;
  const allTools = planTools(request.tools);
  const offered = choice.type === 'none' ? new Map<string, ToolPlan>() : allTools;
  if (choice.type === 'required' && offered.size === 0) {
    throw new EngineError('invalid_request', 'tool_choice "required" needs at least one tool.', { param: 'tool_choice' });
  }
  if (choice.type === 'named' && !offered.has(choice.name)) {
    throw new EngineError('invalid_request', `tool_choice names a tool that is not in tools: ${choice.name}`, { param: 'tool_choice' });
  }

  const start: StartMode = choice.type === 'required' ? { type: 'call-name' }
    : choice.type === 'named' ? { type: 'call-arguments', name: choice.name }
    : { type: 'text' };
  const prefillOnly = request.prefillOnly === true;
  let continuation: LlamaText | undefined;
  if (prefillOnly) {
    // Nothing is generated, so nothing is forced.
  } else if (start.type === 'call-name') {
    // The prefix is written as if the model had produced it; with an optional space after it the
    // space is left to the name grammar, so the model keeps its natural " name" token.
    continuation = target.syntax.prefix;
    if (target.syntax.optionalPrefixSpace) continuation = continuation.trimEnd();
  } else if (start.type === 'call-arguments') {
    continuation = target.syntax.callOpening(start.name);
  }

  const own = withoutReasoning(request.conversation);
  const conversation = from ? [...from.data.items, ...own] : own;
  // One token must remain for output.
  const maxPromptTokens = target.contextSize - 1;
  // Rendering a chat template over megabytes takes hundreds of milliseconds on the event loop:
  // refuse what cannot fit from the texts' sizes first.
  const atLeast = conversationMinTokens(conversation, target.tokenizer.maxTokenBytes);
  if (atLeast > maxPromptTokens) throw contextExceeded(target, atLeast);
  const functions = offered.size > 0 ? documentedFunctions(request.tools, offered) : undefined;
  const rendered = renderConversation(target, conversation, functions, continuation);
  const promptText = prefillOnly
    ? commonLlamaTextPrefix(rendered.text, renderConversation(target, [...conversation, PROBE_USER_TURN], functions).text)
    : rendered.text;
  const continued = from ? continuePrompt(target.model, from, promptText) : undefined;
  const reused = continued?.reused ?? [];
  const tokenized = await target.tokenizer.tokenize(continued?.rest ?? promptText, { trimLeadingSpace: continued !== undefined, maxTokens: maxPromptTokens - reused.length });
  if (tokenized.kind === 'exceeded') throw contextExceeded(target, reused.length + tokenized.atLeast);
  const promptTokens = reused.length === 0 ? tokenized.tokens : [...reused, ...tokenized.tokens];

  const format = request.outputFormat;
  const textGrammar = format.type === 'json_schema' ? { type: 'json_schema' as const, schema: normalizeJsonSchema(format.schema, 'text.format.schema') }
    : format.type === 'json_object' ? { type: 'json_object' as const }
    : undefined;
  const room = target.contextSize - promptTokens.length;
  // With structured output the JSON grammar rules out the call prefix anyway.
  const detectCallsInText = choice.type === 'auto' && offered.size > 0 && textGrammar === undefined;
  const callsPossible = detectCallsInText || start.type !== 'text';

  return {
    promptTokens,
    promptText,
    conversation,
    functions,
    prefillOnly,
    stopTexts: rendered.stopTexts,
    tools: offered,
    callNames: !callsPossible ? [] : choice.type === 'named' ? [choice.name] : [...offered.keys()],
    start,
    detectCallsInText,
    parallelToolCalls: request.parallelToolCalls,
    textGrammar,
    maxOutputTokens: Math.min(request.maxOutputTokens ?? room, room),
    predictionTokens: await predictionTokens(target, request.prediction),
  };
}

function contextExceeded(target: PlanTarget, atLeast: number): EngineError {
  return new EngineError(
    'context_length_exceeded',
    `The prompt has at least ${atLeast} tokens, but model ${target.id} holds ${target.contextSize} tokens per conversation and at least 1 must remain for output.`,
    { param: 'input' },
  );
}

/**
 * The request's items without reasoning: the chat templates rendered here have no place for
 * earlier reasoning (a local model's thinking is not sent back to it), so it is dropped before
 * anything measures, renders or keeps the conversation.
 */
function withoutReasoning(items: readonly ConversationItem[]): readonly ConversationItem[] {
  return items.some((item) => item.type === 'reasoning') ? items.filter((item) => item.type !== 'reasoning') : items;
}

/**
 * A lower bound on the tokens of any render of `conversation`: chat templates copy message
 * texts, call arguments and results into the prompt (some trim them), so their bytes over the
 * longest token's bound the count from below. Results without their call may be left out.
 */
function conversationMinTokens(conversation: readonly ConversationItem[], maxTokenBytes: number): number {
  const calls = new Set<string>();
  let bytes = 0;
  for (const item of conversation) {
    if (item.type === 'tool_call') {
      calls.add(item.callId);
      bytes += Buffer.byteLength(item.arguments.trim(), 'utf8');
    } else if (item.type === 'tool_result') {
      if (calls.has(item.callId)) bytes += Buffer.byteLength(item.output.trim(), 'utf8');
    } else {
      bytes += Buffer.byteLength(item.text.trim(), 'utf8');
    }
  }
  return Math.floor(bytes / Math.max(1, maxTokenBytes));
}

/** A prediction longer than the window is cut to a window's worth of tokens. */
async function predictionTokens(target: PlanTarget, prediction: string | undefined): Promise<Token[] | undefined> {
  if (prediction === undefined || prediction === '') return undefined;
  const cut = prediction.length > target.contextSize * EXACT_CHARS_PER_TOKEN ? prediction.slice(0, target.contextSize * EXACT_CHARS_PER_TOKEN) : prediction;
  const tokenized = await target.tokenizer.tokenize(LlamaText(cut), { trimLeadingSpace: true, maxTokens: Number.MAX_SAFE_INTEGER });
  return tokenized.kind === 'tokens' ? tokenized.tokens.slice(0, target.contextSize) : undefined;
}

function planTools(tools: readonly ToolSpec[]): Map<string, ToolPlan> {
  const plans = new Map<string, ToolPlan>();
  tools.forEach((tool, index) => {
    const param = `tools[${index}]`;
    if (tool.name === '' || /\s/.test(tool.name)) {
      throw new EngineError('invalid_request', `Tool names must be non-empty and contain no whitespace (${param}).`, { param: `${param}.name` });
    }
    if (plans.has(tool.name)) throw new EngineError('invalid_request', `Duplicate tool name: ${tool.name}`, { param: `${param}.name` });
    if (tool.kind === 'custom') {
      const gbnf = tool.grammar === undefined ? undefined : customToolGbnf(tool.grammar, `${param}.format.definition`);
      plans.set(tool.name, { name: tool.name, kind: 'custom', gbnf });
      return;
    }
    const schema = tool.parameters === undefined ? ANY_JSON_OBJECT_SCHEMA : normalizeJsonSchema(tool.parameters, `${param}.parameters`);
    plans.set(tool.name, { name: tool.name, kind: 'function', schema });
  });
  return plans;
}

/**
 * The functions block the wrapper documents in the system prompt. A custom tool has no JSON
 * params: its description says that its input is raw text, and gives its grammar (comments and
 * blank lines dropped) when it has one.
 */
function documentedFunctions(tools: readonly ToolSpec[], offered: ReadonlyMap<string, ToolPlan>): ChatModelFunctions {
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of tools) {
    const plan = offered.get(tool.name);
    if (!plan) continue;
    if (tool.kind === 'custom') {
      functions[tool.name] = { description: customToolDescription(tool) };
      continue;
    }
    functions[tool.name] = {
      ...(tool.description === undefined ? {} : { description: tool.description }),
      ...(tool.parameters !== undefined && plan.kind === 'function' ? { params: plan.schema } : {}),
    };
  }
  return functions;
}

function customToolDescription(tool: Extract<ToolSpec, { kind: 'custom' }>): string {
  const lines = tool.description === undefined || tool.description.trim() === '' ? [] : [tool.description.trim()];
  lines.push(CUSTOM_TOOL_INPUT_NOTE);
  if (tool.grammar !== undefined) {
    const definition = tool.grammar.definition.split('\n')
      .map((line) => (tool.grammar?.syntax === 'lark' ? line.replace(/^\s*\/\/.*$/, '') : line).trimEnd())
      .filter((line) => line.trim() !== '');
    lines.push(`The input must match this ${tool.grammar.syntax === 'lark' ? 'Lark grammar' : 'regular expression'}:`, ...definition);
  }
  return lines.join('\n');
}
