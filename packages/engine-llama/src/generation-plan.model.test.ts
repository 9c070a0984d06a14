// Request planning on the real model's chat template: rendered prompts must be prefix-stable (a
// history that extends another tokenizes to a sequence starting with the other's tokens, or KV
// reuse dies), continuations must tokenize like a full render, and bad requests must fail
// synchronously with the right error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getLlama, resolveChatWrapper, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { EngineError, type ConversationItem, type GenerateRequest, type ToolSpec } from '@spark/engine';
import { LlamaStateData, type ContinuationSource } from './continuation-state.js';
import { resolveFunctionCallSyntax } from './function-call-syntax.js';
import { planGeneration, type PlanTarget } from './generation-plan.js';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';

const tools: ToolSpec[] = [{
  kind: 'function', name: 'get_weather', description: 'Current weather for a city', strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}];

function request(conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: 'm', conversation, tools, toolChoice: { type: 'auto' }, parallelToolCalls: false, outputFormat: { type: 'text' },
    sampling: { temperature: 0 }, signal: new AbortController().signal, ...extra,
  };
}

describe('rendered prompts are prefix-stable', () => {
  let llama: Llama;
  let model: LlamaModel;
  let target: PlanTarget;

  before(async () => {
    llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 1 });
    model = await llama.loadModel({ modelPath: MODEL_PATH });
    const wrapper = resolveChatWrapper(model);
    target = { id: 'm', contextSize: 8192, model, wrapper, syntax: resolveFunctionCallSyntax(wrapper, model) };
  });

  after(async () => {
    await model.dispose();
    await llama.dispose();
  });

  const tokens = (conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): Token[] => planGeneration(target, request(conversation, extra)).promptTokens;
  const assertPrefix = (prefix: readonly number[], full: readonly number[]): void => {
    assert.ok(full.length > prefix.length, 'the longer history renders longer');
    assert.deepEqual(full.slice(0, prefix.length), prefix);
  };

  it('when a user turn follows the model reply', () => {
    const first: ConversationItem[] = [{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'Hi!' }];
    const second: ConversationItem[] = [...first, { type: 'assistant', text: 'Hello! How can I help?' }, { type: 'user', text: 'Tell me a joke.' }];
    assertPrefix(tokens(first), tokens(second));
    const third: ConversationItem[] = [...second, { type: 'assistant', text: 'Why did the chicken cross the road?' }, { type: 'user', text: 'Why?' }];
    assertPrefix(tokens(second), tokens(third));
  });

  it('when a call and its result follow, with the call rendered exactly as generated', () => {
    const first: ConversationItem[] = [{ type: 'user', text: 'Weather in Paris?' }];
    const args = '{"city":"Paris"}';
    const second: ConversationItem[] = [
      ...first,
      { type: 'tool_call', callId: 'call_1', name: 'get_weather', arguments: args, kind: 'function' },
      { type: 'tool_result', callId: 'call_1', output: '{"sky": "sunny"}' },
    ];
    const a = tokens(first);
    const b = tokens(second);
    assertPrefix(a, b);
    const rest = model.detokenize(b.slice(a.length), true);
    const opening = target.syntax.prefixes[0] ?? '';
    assert.ok(rest.startsWith(`${opening}get_weather${target.syntax.paramsPrefixString('get_weather')}${args}`), rest);
  });

  it('when the forced-call prompt is extended by the call it produced', () => {
    const first: ConversationItem[] = [{ type: 'user', text: 'Weather in Paris?' }];
    const forced = tokens(first, { toolChoice: { type: 'named', name: 'get_weather' } });
    const second = tokens([...first, { type: 'tool_call', callId: 'c', name: 'get_weather', arguments: '{"city": "Paris"}', kind: 'function' }, { type: 'tool_result', callId: 'c', output: 'sunny' }]);
    assertPrefix(forced, second);
  });

  it('does not document tools for tool_choice none', () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    assert.ok(tokens(conversation, { toolChoice: { type: 'none' } }).length < tokens(conversation).length);
    assert.deepEqual(tokens(conversation, { toolChoice: { type: 'none' } }), tokens(conversation, { tools: [] }));
  });

  it('starts forced calls at the name or at the arguments', () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    const auto = planGeneration(target, request(conversation));
    const required = planGeneration(target, request(conversation, { toolChoice: { type: 'required' } }));
    const named = planGeneration(target, request(conversation, { toolChoice: { type: 'named', name: 'get_weather' } }));
    assert.deepEqual([auto.start, required.start, named.start], [{ type: 'text' }, { type: 'call-name' }, { type: 'call-arguments', name: 'get_weather' }]);
    assertPrefix(auto.promptTokens, required.promptTokens);
    assertPrefix(required.promptTokens, named.promptTokens);
    assert.equal(auto.detectCallsInText, true);
    assert.deepEqual(planGeneration(target, request(conversation, { outputFormat: { type: 'json_object' } })).callNames, []);
  });

  it('caps output by max_output_tokens and by the room left in the context', () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    assert.equal(planGeneration(target, request(conversation, { maxOutputTokens: 7 })).maxOutputTokens, 7);
    const plan = planGeneration(target, request(conversation));
    assert.equal(plan.maxOutputTokens, target.contextSize - plan.promptTokens.length);
  });

  it('rejects bad requests synchronously', () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    const rejects = (code: string, extra: Partial<GenerateRequest>, param?: string): void => {
      assert.throws(() => planGeneration(target, request(conversation, extra)), (error) => {
        assert.ok(EngineError.is(error));
        assert.equal(error.code, code, error.message);
        if (param !== undefined) assert.equal(error.param, param);
        return true;
      });
    };
    rejects('invalid_request', { maxOutputTokens: 0 }, 'max_output_tokens');
    rejects('invalid_request', { tools: [], toolChoice: { type: 'required' } }, 'tool_choice');
    rejects('invalid_request', { toolChoice: { type: 'named', name: 'nope' } }, 'tool_choice');
    rejects('invalid_request', { tools: [...tools, ...tools] }, 'tools[1].name');
    rejects('invalid_request', { tools: [{ kind: 'function', name: 'bad name', strict: false }] }, 'tools[0].name');
    rejects('invalid_request', { tools: [{ kind: 'function', name: 'f', strict: false, parameters: { type: 'nope' } }] }, 'tools[0].parameters');
    rejects('invalid_request', { outputFormat: { type: 'json_schema', schema: { enum: [] }, strict: true } }, 'text.format.schema');
    const small = { ...target, contextSize: 16 };
    assert.throws(() => planGeneration(small, request(conversation)), (error) => EngineError.is(error) && error.code === 'context_length_exceeded' && /16 tokens/.test(error.message));
  });

  /** The state a generation of `conversation` leaves when it sampled `sampled` and emitted `output`. */
  const stateOf = (conversation: ConversationItem[], sampled: string, output: ConversationItem[], extra: Partial<GenerateRequest> = {}): ContinuationSource => {
    const plan = planGeneration(target, request(conversation, extra));
    const generated = model.tokenize(sampled, false, 'trimLeadingSpace');
    return { tokens: [...plan.promptTokens, ...generated], data: new LlamaStateData('m', [...conversation, ...output], plan.promptText, plan.promptTokens.length) };
  };
  const text = (of: readonly Token[]): string => model.detokenize(of, true);

  it('continues a state by tokenizing only what follows it, as a full render would', () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi!' }];
    const answer: ConversationItem[] = [{ type: 'assistant', text: 'Hello! How can I help?' }];
    const state = stateOf(conversation, 'Hello! How can I help?', answer);
    const added: ConversationItem[] = [{ type: 'user', text: 'Tell me a joke.' }];
    const continued = planGeneration(target, request(added), state).promptTokens;
    assertPrefix(state.tokens, continued);
    assert.deepEqual(continued, tokens([...conversation, ...answer, ...added]));
  });

  it('leaves out evaluated output the client never saw (text held back at an abort)', () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi!' }];
    const shown: ConversationItem[] = [{ type: 'assistant', text: 'Hello there' }];
    // The cache holds " ||" (it might have opened a call); the client only saw "Hello there".
    const state = stateOf(conversation, 'Hello there ||', shown);
    const added: ConversationItem[] = [{ type: 'user', text: 'Go on.' }];
    const continued = planGeneration(target, request(added), state).promptTokens;
    const full = tokens([...conversation, ...shown, ...added]);
    assert.equal(text(continued), text(full));
    const kept = state.tokens.length - model.tokenize(' ||', false, 'trimLeadingSpace').length;
    assertPrefix(state.tokens.slice(0, kept), continued);
  });

  it('renders the whole history again when the tools changed', () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi!' }];
    const answer: ConversationItem[] = [{ type: 'assistant', text: 'Hello!' }];
    const state = stateOf(conversation, 'Hello!', answer, { tools: [] });
    const added: ConversationItem[] = [{ type: 'user', text: 'Weather in Oslo?' }];
    assert.deepEqual(planGeneration(target, request(added), state).promptTokens, tokens([...conversation, ...answer, ...added]));
  });

  it('stops a prefill-only prompt where the next turn begins', () => {
    const conversation: ConversationItem[] = [{ type: 'system', text: 'Be brief.' }];
    const warm = planGeneration(target, request(conversation, { prefillOnly: true }));
    assertPrefix(warm.promptTokens, tokens([...conversation, { type: 'user', text: 'Hi' }]));
    assertPrefix(warm.promptTokens, tokens(conversation));
    const state: ContinuationSource = { tokens: warm.promptTokens, data: new LlamaStateData('m', conversation, warm.promptText, warm.promptTokens.length) };
    assert.deepEqual(planGeneration(target, request([], {}), state).promptTokens, tokens(conversation));
    assert.deepEqual(planGeneration(target, request([{ type: 'user', text: 'Hi' }]), state).promptTokens, tokens([...conversation, { type: 'user', text: 'Hi' }]));
  });
});
