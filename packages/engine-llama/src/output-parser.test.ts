import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '@spark/engine';
import { MAX_BETWEEN_CALLS_TOKENS, OutputParser, type GrammarSlot, type OutputParserOptions, type TokenStep } from './output-parser.js';

/** A fake tokenizer where every character is one token (its code point). */
const tokenize = (text: string): number[] => [...text].map((char) => char.codePointAt(0) ?? 0);
const detokenize = (tokens: readonly number[]): string => String.fromCodePoint(...tokens);

function parser(overrides: Partial<OutputParserOptions<string>> = {}): OutputParser<string> {
  let ids = 0;
  return new OutputParser<string>({
    detokenize,
    tokenize,
    suffixTokens: () => tokenize(')'),
    grammarFor: (slot: GrammarSlot) => (slot.type === 'text' ? undefined : slot.type === 'call-name' ? 'name' : `args:${slot.name}`),
    createCallId: () => `call_${++ids}`,
    promptTail: [],
    stopTexts: ['<|im_end|>'],
    callPrefixes: ['||call: ', '||call:'],
    optionalPrefixSpace: true,
    paramsPrefix: () => '(',
    tools: new Map([['get', { kind: 'function' as const }], ['patch', { kind: 'custom' as const }]]),
    callNames: ['get', 'patch'],
    start: { type: 'text' },
    detectCallsInText: true,
    parallelToolCalls: false,
    jsonText: false,
    ...overrides,
  });
}

/** Feeds text one character-token at a time until a step stops; returns events and the last step. */
function feed(target: OutputParser<string>, text: string): { events: EngineEvent[]; steps: TokenStep[] } {
  const events: EngineEvent[] = [];
  const steps: TokenStep[] = [];
  for (const token of tokenize(text)) {
    const step = target.accept(token);
    steps.push(step);
    events.push(...step.events);
    if (step.stop) break;
  }
  return { events, steps };
}

const textOf = (events: readonly EngineEvent[]): string => events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');

describe('OutputParser', () => {
  it('streams text and stops at a stop text without showing it', () => {
    const p = parser();
    const { events, steps } = feed(p, 'Hi there<|im_end|>ignored');
    assert.equal(textOf(events), 'Hi there');
    assert.equal(steps.at(-1)?.stop, 'stop');
  });

  it('releases held-back text at the end of the turn', () => {
    const p = parser();
    const { events } = feed(p, 'a || b |');
    const ended = p.end();
    assert.equal(textOf([...events, ...ended.events]), 'a || b |');
    assert.equal(ended.reason, 'stop');
  });

  it('detects a call in text, switches grammars and emits a start/delta/end triplet', () => {
    const p = parser();
    assert.equal(p.grammar, undefined);
    const { events, steps } = feed(p, 'Sure.||call: get({"city": "Paris"})');
    assert.equal(textOf(events), 'Sure.');
    const start = events.find((event) => event.type === 'tool-call-start');
    assert.deepEqual(start, { type: 'tool-call-start', callId: 'call_1', name: 'get', kind: 'function' });
    const deltas = events.flatMap((event) => (event.type === 'tool-call-delta' ? [event.delta] : [])).join('');
    assert.equal(deltas, '{"city": "Paris"}');
    assert.deepEqual(events.at(-1), { type: 'tool-call-end', callId: 'call_1', arguments: '{"city": "Paris"}' });
    assert.equal(steps.at(-1)?.stop, 'tool_calls');
  });

  it('uses the name grammar after the prefix and the tool grammar after the name', () => {
    const p = parser();
    feed(p, '||call:');
    assert.equal(p.grammar, 'name');
    feed(p, ' get(');
    assert.equal(p.grammar, 'args:get');
  });

  it('cuts a token that carries text past the call prefix and re-tokenizes its head', () => {
    const plain = parser();
    feed(plain, '||call');
    assert.equal(plain.accept(tokenize(':')[0] ?? 0).inject, undefined);
    // Token 1 stands for the multi-character token ": g".
    const p = parser({ detokenize: (tokens) => tokens.map((token) => (token === 1 ? ': g' : String.fromCodePoint(token))).join('') });
    feed(p, '||call');
    const step = p.accept(1);
    assert.deepEqual(step.inject, tokenize(': '));
    assert.equal(p.grammar, 'name');
  });

  it('with parallel calls, injects the suffix and accepts a further call', () => {
    const p = parser({ parallelToolCalls: true });
    const first = feed(p, '||call: get({"a": 1}');
    assert.deepEqual(first.steps.at(-1)?.inject, [...tokenize('}'), ...tokenize(')')]);
    assert.equal(p.grammar, undefined);
    const second = feed(p, '\n||call: get({"b": 2}');
    const ends = second.events.filter((event) => event.type === 'tool-call-end');
    assert.deepEqual(ends, [{ type: 'tool-call-end', callId: 'call_2', arguments: '{"b": 2}' }]);
    const third = feed(p, 'The answer');
    assert.equal(third.steps.at(-1)?.stop, 'tool_calls');
    assert.equal(textOf(third.events), '');
    assert.equal(p.calls, 2);
  });

  it('with parallel calls, takes a custom call after a function call; its raw input runs to the end', () => {
    const p = parser({ parallelToolCalls: true });
    feed(p, '||call: get({"a": 1}');
    const custom = feed(p, '\n||call: patch(x\ny)');
    assert.equal(custom.steps.some((step) => step.stop !== undefined || step.inject !== undefined), false);
    assert.deepEqual(p.end().events.filter((event) => event.type === 'tool-call-end'), [{ type: 'tool-call-end', callId: 'call_2', arguments: 'x\ny)' }]);
  });

  it('ends after a call when the model stops or keeps whitespace too long', () => {
    const eog = parser({ parallelToolCalls: true });
    feed(eog, '||call: get({})');
    assert.equal(eog.end().reason, 'tool_calls');
    const idle = parser({ parallelToolCalls: true });
    feed(idle, '||call: get({})');
    const { steps } = feed(idle, ' '.repeat(MAX_BETWEEN_CALLS_TOKENS));
    assert.equal(steps.at(-1)?.stop, 'tool_calls');
  });

  it('never detects calls when tools are not offered', () => {
    const p = parser({ detectCallsInText: false });
    const { events } = feed(p, 'x ||call: get({})');
    assert.equal(textOf(events) + p.end().events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join(''), 'x ||call: get({})');
  });

  it('starts at the name for a forced call and at the arguments for a named one', () => {
    const required = parser({ start: { type: 'call-name' } });
    assert.equal(required.grammar, 'name');
    const events = [...feed(required, ' patch(*** Begin Patch').events, ...required.end().events];
    assert.deepEqual(events.filter((event) => event.type !== 'tool-call-delta'), [
      { type: 'tool-call-start', callId: 'call_1', name: 'patch', kind: 'custom' },
      { type: 'tool-call-end', callId: 'call_1', arguments: '*** Begin Patch' },
    ]);

    const named = parser({ start: { type: 'call-arguments', name: 'get' } });
    assert.equal(named.grammar, 'args:get');
    const namedEvents = feed(named, '{"x": [1]}').events;
    assert.equal(namedEvents[0]?.type, 'tool-call-start');
    assert.deepEqual(namedEvents.at(-1), { type: 'tool-call-end', callId: 'call_1', arguments: '{"x": [1]}' });
  });

  it('closes an open call with its partial arguments when interrupted', () => {
    const p = parser();
    feed(p, '||call: get({"a": ');
    const interrupted = p.interrupt('length');
    assert.deepEqual(interrupted.events.map((event) => event.type), ['tool-call-end']);
    assert.equal(interrupted.reason, 'length');
  });

  it('releases held text on a token limit but not on abort', () => {
    const limited = parser();
    feed(limited, 'a <|im');
    assert.equal(textOf(limited.interrupt('length').events), '<|im');
    const aborted = parser();
    feed(aborted, 'a <|im');
    assert.deepEqual(aborted.interrupt('aborted'), { events: [], reason: 'aborted' });
  });

  it('ends structured output when the JSON value is complete, ignoring stop texts inside it', () => {
    const p = parser({ jsonText: true, detectCallsInText: false });
    const { events, steps } = feed(p, '{"a": "<|im_end|>"}\n\n\n');
    assert.equal(textOf(events), '{"a": "<|im_end|>"}');
    assert.equal(steps.at(-1)?.stop, 'stop');
  });
  describe('custom tool input', () => {
    const deltasOf = (events: readonly EngineEvent[]): string[] => events.flatMap((event) => (event.type === 'tool-call-delta' ? [event.delta] : []));

    it('streams raw input as it arrives and ends it at the end of generation', () => {
      const p = parser({ start: { type: 'call-arguments', name: 'patch' } });
      assert.equal(p.grammar, 'args:patch');
      const input = '*** Begin Patch\n+{"a": "b\\n"}\n*** End Patch\n';
      const fed = feed(p, input);
      assert.equal(fed.steps.some((step) => step.stop !== undefined), false, 'raw input never ends the call by itself');
      const streamed = deltasOf(fed.events);
      assert.ok(streamed.length > 10, 'one delta per token');
      const ended = p.end();
      assert.equal(ended.reason, 'tool_calls');
      assert.deepEqual(ended.events, [{ type: 'tool-call-end', callId: 'call_1', arguments: input }]);
      assert.equal(streamed.join(''), input, 'raw text, no JSON escaping');
    });

    it('holds back only what may start a stop text, and ends the call at a stop text', () => {
      const p = parser({ start: { type: 'call-arguments', name: 'patch' } });
      const fed = feed(p, 'a <b <|im_end|>after');
      assert.equal(fed.steps.at(-1)?.stop, 'tool_calls');
      assert.equal(deltasOf(fed.events).join(''), 'a <b ');
      assert.deepEqual(fed.events.at(-1), { type: 'tool-call-end', callId: 'call_1', arguments: 'a <b ' });
    });

    it('releases held text at the end of generation and on a limit, not on abort', () => {
      const eog = parser({ start: { type: 'call-arguments', name: 'patch' } });
      feed(eog, 'x <|im');
      assert.deepEqual(eog.end().events, [
        { type: 'tool-call-delta', callId: 'call_1', delta: '<|im' },
        { type: 'tool-call-end', callId: 'call_1', arguments: 'x <|im' },
      ]);
      const limited = parser({ start: { type: 'call-arguments', name: 'patch' } });
      feed(limited, 'x <|im');
      const cut = limited.interrupt('length');
      assert.equal(cut.reason, 'length');
      assert.deepEqual(cut.events.at(-1), { type: 'tool-call-end', callId: 'call_1', arguments: 'x <|im' });
      const aborted = parser({ start: { type: 'call-arguments', name: 'patch' } });
      feed(aborted, 'x <|im');
      assert.deepEqual(aborted.interrupt('aborted').events, [{ type: 'tool-call-end', callId: 'call_1', arguments: 'x ' }]);
    });

    it('streams a detected custom call after its name and keeps multi-byte characters whole', () => {
      const bytes = [...Buffer.from('é🎉', 'utf8')];
      // A byte-level fake: tokens >= 0x1000 are single UTF-8 bytes, the rest code points.
      const detokenizeBytes = (tokens: readonly number[]): string => {
        const out: number[] = [];
        for (const token of tokens) {
          if (token >= 0x1000) out.push(token - 0x1000);
          else out.push(...Buffer.from(String.fromCodePoint(token), 'utf8'));
        }
        return Buffer.from(out).toString('utf8');
      };
      const p = parser({ detokenize: detokenizeBytes });
      const events: EngineEvent[] = [];
      for (const token of [...tokenize('||call: patch('), ...bytes.map((byte) => byte + 0x1000), ...tokenize('!')]) events.push(...p.accept(token).events);
      events.push(...p.end().events);
      assert.equal(events[0]?.type, 'tool-call-start');
      const deltas = deltasOf(events);
      assert.ok(deltas.every((delta) => !delta.includes('\uFFFD')), 'no broken characters');
      assert.equal(deltas.join(''), 'é🎉!');
    });
  });
});
