// Request planning on the real model's chat template: rendered prompts must be prefix-stable (a
// history that extends another tokenizes to a sequence starting with the other's tokens, or KV
// reuse dies), continuations must tokenize like a full render, and bad requests must fail
// before any work with the right error. Large prompts tokenize in the worker, as the inline path would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { getLlama, resolveChatWrapper, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { EngineError, type ConversationItem, type GenerateRequest, type ToolSpec } from '@spark/engine';
import { LlamaStateData, type ContinuationSource } from './continuation-state.js';
import { resolveFunctionCallSyntax } from './function-call-syntax.js';
import { planGeneration, type PlanTarget } from './generation-plan.js';
import { longestTokenBytes } from './tokenizer/longest-token-bytes.js';
import { createPromptTokenizer, INLINE_TOKENIZE_CHARS } from './tokenizer/prompt-tokenizer.js';
import { TokenizerWorker } from './tokenizer/tokenizer-worker.js';

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
  let worker: TokenizerWorker;

  before(async () => {
    llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 1 });
    model = await llama.loadModel({ modelPath: MODEL_PATH });
    const wrapper = resolveChatWrapper(model);
    worker = new TokenizerWorker({ gpu: false });
    const tokenizer = createPromptTokenizer(model, MODEL_PATH, worker, longestTokenBytes(model));
    target = { id: 'm', contextSize: 8192, model, wrapper, syntax: resolveFunctionCallSyntax(wrapper, model), tokenizer };
  });

  after(async () => {
    await worker.close();
    await model.dispose();
    await llama.dispose();
  });

  const tokens = async (conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): Promise<Token[]> => (await planGeneration(target, request(conversation, extra))).promptTokens;
  const assertPrefix = (prefix: readonly number[], full: readonly number[]): void => {
    assert.ok(full.length > prefix.length, 'the longer history renders longer');
    assert.deepEqual(full.slice(0, prefix.length), prefix);
  };

  it('when a user turn follows the model reply', async () => {
    const first: ConversationItem[] = [{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'Hi!' }];
    const second: ConversationItem[] = [...first, { type: 'assistant', text: 'Hello! How can I help?' }, { type: 'user', text: 'Tell me a joke.' }];
    assertPrefix(await tokens(first), await tokens(second));
    const third: ConversationItem[] = [...second, { type: 'assistant', text: 'Why did the chicken cross the road?' }, { type: 'user', text: 'Why?' }];
    assertPrefix(await tokens(second), await tokens(third));
  });

  it('when a call and its result follow, with the call rendered exactly as generated', async () => {
    const first: ConversationItem[] = [{ type: 'user', text: 'Weather in Paris?' }];
    const args = '{"city":"Paris"}';
    const second: ConversationItem[] = [
      ...first,
      { type: 'tool_call', callId: 'call_1', name: 'get_weather', arguments: args, kind: 'function' },
      { type: 'tool_result', callId: 'call_1', output: '{"sky": "sunny"}' },
    ];
    const a = await tokens(first);
    const b = await tokens(second);
    assertPrefix(a, b);
    const rest = model.detokenize(b.slice(a.length), true);
    const opening = target.syntax.prefixes[0] ?? '';
    assert.ok(rest.startsWith(`${opening}get_weather${target.syntax.paramsPrefixString('get_weather')}${args}`), rest);
  });

  it('when the forced-call prompt is extended by the call it produced', async () => {
    const first: ConversationItem[] = [{ type: 'user', text: 'Weather in Paris?' }];
    const forced = await tokens(first, { toolChoice: { type: 'named', name: 'get_weather' } });
    const second = await tokens([...first, { type: 'tool_call', callId: 'c', name: 'get_weather', arguments: '{"city": "Paris"}', kind: 'function' }, { type: 'tool_result', callId: 'c', output: 'sunny' }]);
    assertPrefix(forced, second);
  });

  it('does not document tools for tool_choice none', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    assert.ok((await tokens(conversation, { toolChoice: { type: 'none' } })).length < (await tokens(conversation)).length);
    assert.deepEqual(await tokens(conversation, { toolChoice: { type: 'none' } }), await tokens(conversation, { tools: [] }));
  });

  it('starts forced calls at the name or at the arguments', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    const auto = await planGeneration(target, request(conversation));
    const required = await planGeneration(target, request(conversation, { toolChoice: { type: 'required' } }));
    const named = await planGeneration(target, request(conversation, { toolChoice: { type: 'named', name: 'get_weather' } }));
    assert.deepEqual([auto.start, required.start, named.start], [{ type: 'text' }, { type: 'call-name' }, { type: 'call-arguments', name: 'get_weather' }]);
    assertPrefix(auto.promptTokens, required.promptTokens);
    assertPrefix(required.promptTokens, named.promptTokens);
    assert.equal(auto.detectCallsInText, true);
    assert.deepEqual((await planGeneration(target, request(conversation, { outputFormat: { type: 'json_object' } }))).callNames, []);
  });

  it('caps output by max_output_tokens and by the room left in the context', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    assert.equal((await planGeneration(target, request(conversation, { maxOutputTokens: 7 }))).maxOutputTokens, 7);
    const plan = await planGeneration(target, request(conversation));
    assert.equal(plan.maxOutputTokens, target.contextSize - plan.promptTokens.length);
  });

  it('rejects bad requests before any work', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi' }];
    const rejects = async (code: string, extra: Partial<GenerateRequest>, param?: string): Promise<void> => {
      await assert.rejects(planGeneration(target, request(conversation, extra)), (error) => {
        assert.ok(EngineError.is(error));
        assert.equal(error.code, code, error.message);
        if (param !== undefined) assert.equal(error.param, param);
        return true;
      });
    };
    await rejects('invalid_request', { maxOutputTokens: 0 }, 'max_output_tokens');
    await rejects('invalid_request', { tools: [], toolChoice: { type: 'required' } }, 'tool_choice');
    await rejects('invalid_request', { toolChoice: { type: 'named', name: 'nope' } }, 'tool_choice');
    await rejects('invalid_request', { tools: [...tools, ...tools] }, 'tools[1].name');
    await rejects('invalid_request', { tools: [{ kind: 'function', name: 'bad name', strict: false }] }, 'tools[0].name');
    await rejects('invalid_request', { tools: [{ kind: 'function', name: 'f', strict: false, parameters: { type: 'nope' } }] }, 'tools[0].parameters');
    await rejects('invalid_request', { outputFormat: { type: 'json_schema', schema: { enum: [] }, strict: true } }, 'text.format.schema');
    const small = { ...target, contextSize: 16 };
    await assert.rejects(planGeneration(small, request(conversation)), (error) => EngineError.is(error) && error.code === 'context_length_exceeded' && /16 tokens/.test(error.message));
  });

  it('tokenizes a large prompt in the worker, off the event loop, exactly as the model would', async () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const code = source.repeat(Math.ceil(20_000 / source.length)).slice(0, 20_000);
    assert.ok(code.length > INLINE_TOKENIZE_CHARS);
    const order: string[] = [];
    const planned = planGeneration(target, request([{ type: 'user', text: code }])).then((plan) => { order.push('tokens'); return plan; });
    setTimeout(() => order.push('timer'), 0);
    const plan = await planned;
    assert.deepEqual(order, ['timer', 'tokens'], 'a timer set after the call runs before the tokens arrive');
    assert.deepEqual(plan.promptTokens, plan.promptText.tokenize(model.tokenizer));
    assert.ok(worker.started, 'the worker started for the large text');
  });

  it('refuses an oversized prompt without tokenizing all of it', async () => {
    // 2 MB: refused from its byte length alone; 300 KB: counted in chunks until the window is full.
    for (const size of [2_000_000, 300_000]) {
      const text = 'let x = 1;\n'.repeat(Math.ceil(size / 11)).slice(0, size);
      await assert.rejects(planGeneration(target, request([{ type: 'user', text }])), (error) => {
        assert.ok(EngineError.is(error) && error.code === 'context_length_exceeded', String(error));
        const atLeast = Number(/at least (\d+) tokens/.exec(error.message)?.[1]);
        assert.ok(atLeast >= target.contextSize && atLeast < size / 2, error.message);
        return true;
      });
    }
  });

  /** The state a generation of `conversation` leaves when it sampled `sampled` and emitted `output`. */
  const stateOf = async (conversation: ConversationItem[], sampled: string, output: ConversationItem[], extra: Partial<GenerateRequest> = {}): Promise<ContinuationSource> => {
    const plan = await planGeneration(target, request(conversation, extra));
    const generated = model.tokenize(sampled, false, 'trimLeadingSpace');
    const tokens = [...plan.promptTokens, ...generated];
    return { tokens, data: new LlamaStateData('m', tokens, [...conversation, ...output], plan.promptText, plan.promptTokens.length) };
  };
  const text = (of: readonly Token[]): string => model.detokenize(of, true);

  it('continues a state by tokenizing only what follows it, as a full render would', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi!' }];
    const answer: ConversationItem[] = [{ type: 'assistant', text: 'Hello! How can I help?' }];
    const state = await stateOf(conversation, 'Hello! How can I help?', answer);
    const added: ConversationItem[] = [{ type: 'user', text: 'Tell me a joke.' }];
    const continued = (await planGeneration(target, request(added), state)).promptTokens;
    assertPrefix(state.tokens, continued);
    assert.deepEqual(continued, await tokens([...conversation, ...answer, ...added]));
  });

  it('leaves out evaluated output the client never saw (text held back at an abort)', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi!' }];
    const shown: ConversationItem[] = [{ type: 'assistant', text: 'Hello there' }];
    // The cache holds " ||" (it might have opened a call); the client only saw "Hello there".
    const state = await stateOf(conversation, 'Hello there ||', shown);
    const added: ConversationItem[] = [{ type: 'user', text: 'Go on.' }];
    const continued = (await planGeneration(target, request(added), state)).promptTokens;
    const full = await tokens([...conversation, ...shown, ...added]);
    assert.equal(text(continued), text(full));
    const kept = state.tokens.length - model.tokenize(' ||', false, 'trimLeadingSpace').length;
    assertPrefix(state.tokens.slice(0, kept), continued);
  });

  it('renders the whole history again when the tools changed', async () => {
    const conversation: ConversationItem[] = [{ type: 'user', text: 'Hi!' }];
    const answer: ConversationItem[] = [{ type: 'assistant', text: 'Hello!' }];
    const state = await stateOf(conversation, 'Hello!', answer, { tools: [] });
    const added: ConversationItem[] = [{ type: 'user', text: 'Weather in Oslo?' }];
    assert.deepEqual((await planGeneration(target, request(added), state)).promptTokens, await tokens([...conversation, ...answer, ...added]));
  });

  it('stops a prefill-only prompt where the next turn begins', async () => {
    const conversation: ConversationItem[] = [{ type: 'system', text: 'Be brief.' }];
    const warm = await planGeneration(target, request(conversation, { prefillOnly: true }));
    assertPrefix(warm.promptTokens, await tokens([...conversation, { type: 'user', text: 'Hi' }]));
    assertPrefix(warm.promptTokens, await tokens(conversation));
    const state: ContinuationSource = { tokens: warm.promptTokens, data: new LlamaStateData('m', warm.promptTokens, conversation, warm.promptText, warm.promptTokens.length) };
    assert.deepEqual((await planGeneration(target, request([], {}), state)).promptTokens, await tokens(conversation));
    assert.deepEqual((await planGeneration(target, request([{ type: 'user', text: 'Hi' }]), state)).promptTokens, await tokens([...conversation, { type: 'user', text: 'Hi' }]));
  });
});
