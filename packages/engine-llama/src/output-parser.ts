import type { EngineEvent, FinishReason } from '@spark/engine';
import { classifyCallStart } from './classify-call-start.js';
import { JsonCompletionScanner } from './json-completion.js';
import { TokenTextDecoder, type DetokenizeFn } from './token-text-decoder.js';
import { TriggerMatcher } from './trigger-matcher.js';

/** What the parser emits: output parts (the decode loop adds `prompt` and `finish`). */
type OutputEvent = Exclude<EngineEvent, { type: 'finish' }>;

/** After a call (parallel calls on), how many tokens may pass before a new call must have opened. */
export const MAX_BETWEEN_CALLS_TOKENS = 12;
/** Calls one generation may make before it is ended, so a looping model cannot run forever. */
export const MAX_TOOL_CALLS_PER_GENERATION = 32;

/** The grammar to apply from the next sampled token on. */
export type GrammarSlot = { type: 'text' } | { type: 'call-name' } | { type: 'call-arguments'; name: string };

export interface OutputParserOptions<G> {
  detokenize: DetokenizeFn;
  /** Tokenizes plain text (no special tokens), for re-tokenizing a cut token. */
  tokenize: (text: string) => number[];
  /** Tokens that close a call to `name` (e.g. `)`), injected after its arguments. */
  suffixTokens: (name: string) => number[];
  /** A fresh grammar evaluation state for a slot; undefined = unconstrained. */
  grammarFor: (slot: GrammarSlot) => G | undefined;
  createCallId: () => string;
  /** Last prompt tokens: context for the detokenizer's leading-space handling. */
  promptTail: readonly number[];
  stopTexts: readonly string[];
  callPrefixes: readonly string[];
  optionalPrefixSpace: boolean;
  paramsPrefix: (name: string) => string;
  tools: ReadonlyMap<string, { kind: 'function' | 'custom' }>;
  callNames: readonly string[];
  start: { type: 'text' } | { type: 'call-name' } | { type: 'call-arguments'; name: string };
  detectCallsInText: boolean;
  parallelToolCalls: boolean;
  /** The whole text is one JSON value (structured output): stop when it is complete. */
  jsonText: boolean;
}

/** What one sampled token led to. */
export interface TokenStep {
  readonly events: OutputEvent[];
  /** Evaluate these instead of the sampled token (a cut token, a call suffix). */
  readonly inject?: number[];
  /** End the generation with this reason. */
  readonly stop?: FinishReason;
}

interface OpenCall {
  readonly callId: string;
  readonly name: string;
  readonly kind: 'function' | 'custom';
  /** A function's arguments end with their JSON value. */
  readonly scanner: JsonCompletionScanner;
  /** A custom tool's raw input ends with the turn: watched for the template's stop texts. */
  readonly stops: TriggerMatcher<'stop'> | undefined;
  args: string;
  announced: boolean;
}

type Mode =
  | { type: 'text' }
  | { type: 'call-name'; text: string }
  | { type: 'call-arguments'; call: OpenCall }
  | { type: 'between-calls'; text: string; tokens: number };

/**
 * Turns sampled tokens into engine events. In text mode it streams UTF-8-safe text, holding back
 * what may start a stop text or a call prefix; a call prefix switches to the name grammar, a
 * decided name to the arguments' grammar. A function's arguments are JSON (their schema's
 * grammar) and a complete value ends the call (its suffix is injected when more calls may
 * follow). A custom tool's input is raw text (its own grammar, or none) streamed as it comes,
 * and it ends with the turn: an end-of-generation token (which a grammar admits only once the
 * input is complete), a stop text, or a limit. The current grammar is `grammar`.
 */
export class OutputParser<G> {
  private readonly options: OutputParserOptions<G>;
  private readonly decoder: TokenTextDecoder;
  private readonly matcher: TriggerMatcher<'stop' | 'call'>;
  private readonly textJson: JsonCompletionScanner | undefined;
  private mode: Mode;
  private currentGrammar: G | undefined;
  private callsMade = 0;

  constructor(options: OutputParserOptions<G>) {
    this.options = options;
    this.decoder = new TokenTextDecoder(options.detokenize, options.promptTail);
    this.textJson = options.jsonText ? new JsonCompletionScanner() : undefined;
    this.matcher = new TriggerMatcher([
      // Inside structured output a stop text could only be JSON content; the grammar ends it.
      ...(options.jsonText ? [] : options.stopTexts.map((text) => ({ text, kind: 'stop' as const }))),
      ...(options.detectCallsInText ? options.callPrefixes.map((text) => ({ text, kind: 'call' as const })) : []),
    ]);
    const start = options.start;
    if (start.type === 'call-arguments') {
      this.mode = { type: 'call-arguments', call: this.newCall(start.name) };
      this.currentGrammar = options.grammarFor(start);
    } else if (start.type === 'call-name') {
      this.mode = { type: 'call-name', text: '' };
      this.currentGrammar = options.grammarFor(start);
    } else {
      this.mode = { type: 'text' };
      this.currentGrammar = options.grammarFor(start);
    }
  }

  /** The grammar evaluation state for the next sample. */
  get grammar(): G | undefined {
    return this.currentGrammar;
  }

  /** Calls completed so far. */
  get calls(): number {
    return this.callsMade;
  }

  /** Handles one sampled token. */
  accept(token: number): TokenStep {
    const pendingBefore = this.decoder.pendingTokens.length;
    const text = this.decoder.push(token);
    if (text === '') return { events: [] };
    switch (this.mode.type) {
      case 'text': return this.acceptText(text, pendingBefore);
      case 'call-name': return this.acceptName(this.mode, text);
      case 'call-arguments': return this.acceptArguments(this.mode.call, token, text, pendingBefore);
      case 'between-calls': return this.acceptBetween(this.mode, text, pendingBefore);
      default: {
        const unreachable: never = this.mode;
        throw new Error(`unknown mode ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** The model ended its turn (an end-of-generation token): flush and pick the finish reason. */
  end(): { events: OutputEvent[]; reason: FinishReason } {
    const events: OutputEvent[] = [];
    switch (this.mode.type) {
      case 'text': {
        // Only an unfinished character can be pending here; with held-back text it is released.
        const text = this.textJson ? this.decoder.flush() : this.matcher.flush() + this.decoder.flush();
        if (text !== '') events.push({ type: 'text-delta', delta: text });
        return { events, reason: 'stop' };
      }
      case 'call-arguments':
        events.push(...this.closeCall(this.mode.call, true));
        return { events, reason: 'tool_calls' };
      case 'call-name':
      case 'between-calls':
        return { events, reason: this.callsMade > 0 ? 'tool_calls' : 'stop' };
      default: {
        const unreachable: never = this.mode;
        throw new Error(`unknown mode ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /**
   * Generation was cut short (token limit, full context, abort). Closes an open call with its
   * partial arguments so start/delta/end stay paired; on a limit, held-back text is released.
   */
  interrupt(reason: 'length' | 'aborted'): { events: OutputEvent[]; reason: FinishReason } {
    const events: OutputEvent[] = [];
    if (this.mode.type === 'text' && reason === 'length') {
      const text = this.decoder.flush();
      const held = this.matcher.flush() + text;
      if (held !== '') events.push({ type: 'text-delta', delta: held });
    }
    if (this.mode.type === 'call-arguments' && (this.mode.call.announced || this.mode.call.args !== '')) {
      events.push(...this.closeCall(this.mode.call, reason === 'length'));
    }
    // Peeking for a further call is not part of the answer: the calls made are complete.
    if (this.mode.type === 'between-calls' && reason === 'length') return { events, reason: 'tool_calls' };
    return { events, reason };
  }

  private acceptText(text: string, pendingBefore: number): TokenStep {
    const events: OutputEvent[] = [];
    if (this.textJson) {
      const end = this.textJson.push(text);
      const piece = end < 0 ? text : text.slice(0, end);
      if (piece !== '') events.push({ type: 'text-delta', delta: piece });
      return end < 0 ? { events } : { events, stop: 'stop' };
    }
    const pushed = this.matcher.push(text);
    if (pushed.emit !== '') events.push({ type: 'text-delta', delta: pushed.emit });
    if (!pushed.match) return { events };
    if (pushed.match.trigger.kind === 'stop') return { events, stop: 'stop' };
    return this.enterCallName(events, text, pushed.match.after, pendingBefore);
  }

  private enterCallName(events: OutputEvent[], text: string, after: string, pendingBefore: number): TokenStep {
    this.mode = { type: 'call-name', text: '' };
    this.currentGrammar = this.options.grammarFor({ type: 'call-name' });
    const inject = this.cutToken(text, after, pendingBefore);
    return inject ? { events, inject } : { events };
  }

  private acceptName(mode: { type: 'call-name'; text: string }, text: string): TokenStep {
    mode.text += text;
    const candidate = this.options.optionalPrefixSpace && mode.text.startsWith(' ') ? mode.text.slice(1) : mode.text;
    const openings = this.options.callNames.map((name) => ({ name, opening: name + this.options.paramsPrefix(name) }));
    const decided = openings.find((entry) => entry.opening === candidate);
    if (!decided) {
      // The name grammar makes this unreachable; fail loudly rather than emit a bogus call.
      if (!openings.some((entry) => entry.opening.startsWith(candidate))) throw new Error('the model left the function-name grammar');
      return { events: [] };
    }
    const call = this.newCall(decided.name);
    call.announced = true;
    this.mode = { type: 'call-arguments', call };
    this.currentGrammar = this.options.grammarFor({ type: 'call-arguments', name: decided.name });
    return { events: [{ type: 'tool-call-start', callId: call.callId, name: call.name, kind: call.kind }] };
  }

  private acceptArguments(call: OpenCall, token: number, text: string, pendingBefore: number): TokenStep {
    const events: OutputEvent[] = [];
    if (!call.announced) {
      call.announced = true;
      events.push({ type: 'tool-call-start', callId: call.callId, name: call.name, kind: call.kind });
    }
    if (call.stops) {
      const pushed = call.stops.push(text);
      if (pushed.emit !== '') {
        call.args += pushed.emit;
        events.push({ type: 'tool-call-delta', callId: call.callId, delta: pushed.emit });
      }
      if (!pushed.match) return { events };
      // The model ended its turn in text: the input is complete, nothing can follow it.
      events.push(...this.closeCall(call, false));
      this.callsMade += 1;
      return { events, stop: 'tool_calls' };
    }
    const end = call.scanner.push(text);
    const piece = end < 0 ? text : text.slice(0, end);
    call.args += piece;
    if (piece !== '') events.push({ type: 'tool-call-delta', callId: call.callId, delta: piece });
    if (end < 0) return { events };

    events.push(...this.closeCall(call, false));
    this.callsMade += 1;
    if (!this.options.parallelToolCalls || this.callsMade >= MAX_TOOL_CALLS_PER_GENERATION) return { events, stop: 'tool_calls' };
    // More calls may follow: close this one as the template spells it, then let the model show
    // whether it opens another call.
    this.mode = { type: 'between-calls', text: '', tokens: 0 };
    this.currentGrammar = undefined;
    const head = this.cutToken(text, text.slice(end), pendingBefore) ?? [token];
    return { events, inject: [...head, ...this.options.suffixTokens(call.name)] };
  }

  private acceptBetween(mode: { type: 'between-calls'; text: string; tokens: number }, text: string, pendingBefore: number): TokenStep {
    mode.text += text;
    mode.tokens += 1;
    if (this.options.stopTexts.some((stop) => mode.text.includes(stop))) return { events: [], stop: 'tool_calls' };
    const verdict = classifyCallStart(mode.text, this.options.callPrefixes);
    if (verdict.type === 'not-a-call') return { events: [], stop: 'tool_calls' };
    if (verdict.type === 'pending') return mode.tokens >= MAX_BETWEEN_CALLS_TOKENS ? { events: [], stop: 'tool_calls' } : { events: [] };
    return this.enterCallName([], text, verdict.after, pendingBefore);
  }

  /**
   * When a trigger ends inside the just-sampled token (`after` is what followed it there), the
   * token is replaced by the tokens of its part up to the trigger, so the KV cache holds exactly
   * the text the events describe. Only possible when the text came from this token alone.
   */
  private cutToken(text: string, after: string, pendingBefore: number): number[] | undefined {
    if (after === '' || pendingBefore > 0) return undefined;
    const kept = text.slice(0, text.length - after.length);
    return kept === '' ? undefined : this.options.tokenize(kept);
  }

  private newCall(name: string): OpenCall {
    const kind = this.options.tools.get(name)?.kind ?? 'function';
    const stops = kind === 'custom' ? new TriggerMatcher(this.options.stopTexts.map((text) => ({ text, kind: 'stop' as const }))) : undefined;
    return { callId: this.options.createCallId(), name, kind, scanner: new JsonCompletionScanner(), stops, args: '', announced: false };
  }

  /**
   * Ends a call. `release`: the turn ended (end of generation, a token limit), so a custom
   * input's held-back text (a possible stop text's start) and an unfinished character are part
   * of it after all.
   */
  private closeCall(call: OpenCall, release: boolean): OutputEvent[] {
    const events: OutputEvent[] = [];
    if (!call.announced) {
      call.announced = true;
      events.push({ type: 'tool-call-start', callId: call.callId, name: call.name, kind: call.kind });
    }
    if (call.stops && release) {
      const held = call.stops.flush() + this.decoder.flush();
      if (held !== '') {
        call.args += held;
        events.push({ type: 'tool-call-delta', callId: call.callId, delta: held });
      }
    }
    events.push({ type: 'tool-call-end', callId: call.callId, arguments: call.args });
    return events;
  }
}
