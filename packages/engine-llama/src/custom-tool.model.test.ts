// Freeform custom tools on a real GGUF (SmolLM2 by default): the input is decoded as raw text
// under the tool's own grammar (Codex's apply_patch Lark grammar, converted to GBNF), streams as
// several deltas, carries no JSON escaping, and a grammar outside the subset is a clear 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineError, type ConversationItem, type GenerateRequest, type ToolSpec } from '@spark/engine';
import type { LlamaEngineEvent } from './llama-engine-event.js';
import { LlamaEngine } from './llama-engine.js';
import { APPLY_PATCH_LARK_GRAMMAR as APPLY_PATCH_LARK } from '@spark/protocol';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL = 'test-model';

const APPLY_PATCH: ToolSpec = {
  kind: 'custom',
  name: 'apply_patch',
  description: 'Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.',
  grammar: { syntax: 'lark', definition: APPLY_PATCH_LARK },
};
const TASK = [
  'File hello.py:',
  'def greet(name):',
  '    print("Hello, " + name)',
  '',
  'Rename greet to welcome. Answer with a patch:',
  '*** Begin Patch',
  '*** Update File: hello.py',
  '@@',
  '-def greet(name):',
  '+def welcome(name):',
  '*** End Patch',
].join('\n');

/**
 * The apply_patch grammar as a JavaScript regular expression (same language: lines that are
 * `[^\n]*`), to check a complete input without the agent's parser.
 */
const LINE = '[^\\n]';
const HUNK = `(\\*\\*\\* Add File: ${LINE}+\\n(\\+${LINE}*\\n)+`
  + `|\\*\\*\\* Delete File: ${LINE}+\\n`
  + `|\\*\\*\\* Update File: ${LINE}+\\n(\\*\\*\\* Move to: ${LINE}+\\n)?((@@|@@ ${LINE}+)\\n|[-+ ]${LINE}*\\n)*(\\*\\*\\* End of File\\n)?)`;
const APPLY_PATCH_LANGUAGE = new RegExp(`^\\*\\*\\* Begin Patch\\n${HUNK}+\\*\\*\\* End Patch\\n?$`);

function request(conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: MODEL,
    conversation,
    tools: [APPLY_PATCH],
    toolChoice: { type: 'named', name: 'apply_patch' },
    parallelToolCalls: false,
    outputFormat: { type: 'text' },
    sampling: { temperature: 0 },
    signal: new AbortController().signal,
    maxOutputTokens: 160,
    ...extra,
  };
}

async function collect(events: AsyncIterable<LlamaEngineEvent>): Promise<LlamaEngineEvent[]> {
  const out: LlamaEngineEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

interface MadeCall {
  readonly callId: string;
  readonly kind: string;
  readonly deltas: readonly string[];
  readonly input: string;
  readonly reason: string;
  readonly inputTokens: number;
}

function onlyCall(events: readonly LlamaEngineEvent[]): MadeCall {
  const starts = events.filter((event) => event.type === 'tool-call-start');
  assert.equal(starts.length, 1, 'one call');
  const start = starts[0];
  assert.ok(start?.type === 'tool-call-start');
  const end = events.find((event) => event.type === 'tool-call-end');
  assert.ok(end?.type === 'tool-call-end');
  const finish = events.at(-1);
  assert.ok(finish?.type === 'finish');
  const deltas = events.flatMap((event) => (event.type === 'tool-call-delta' ? [event.delta] : []));
  assert.ok(events.indexOf(end) > events.findLastIndex((event) => event.type === 'tool-call-delta'), 'deltas come before the end');
  return { callId: start.callId, kind: start.kind, deltas, input: end.arguments, reason: finish.reason, inputTokens: finish.usage.inputTokens };
}

describe('custom tools on a real model', () => {
  let engine: LlamaEngine;

  before(async () => {
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 2048, sequences: 2, maxQueuedRequests: 1 });
  });

  after(async () => {
    await engine.dispose();
  });

  it('decodes a forced apply_patch under its Lark grammar as raw text, streamed in several deltas', async (t) => {
    const call = onlyCall(await collect(engine.generate(request([{ type: 'user', text: TASK }]))));
    t.diagnostic(`${call.reason}, ${call.deltas.length} deltas: ${JSON.stringify(call.input)}`);
    assert.equal(call.kind, 'custom');
    assert.ok(call.deltas.length >= 5, `several deltas, got ${call.deltas.length}`);
    assert.equal(call.deltas.join(''), call.input, 'the deltas are the input');
    assert.ok(call.input.startsWith('*** Begin Patch\n'), 'the grammar makes the input a patch from its first token');
    assert.doesNotMatch(call.input, /^[{"]|\\n/, 'no JSON around or inside the input');
    if (call.reason === 'tool_calls') {
      // Ended by the model: the grammar admitted the end of generation, so the patch is complete.
      assert.match(call.input, APPLY_PATCH_LANGUAGE);
    } else {
      assert.equal(call.reason, 'length');
    }
  });

  it('continues from the call with its output: every token of the state reused, the history rendered as generated', async (t) => {
    const conversation: ConversationItem[] = [{ type: 'user', text: TASK }];
    const firstEvents = await collect(engine.generate(request(conversation, { maxOutputTokens: 48 })));
    const first = onlyCall(firstEvents);
    const firstFinish = firstEvents.at(-1);
    assert.ok(firstFinish?.type === 'finish' && firstFinish.state, 'the finish carries a state');
    const stateTokens = firstFinish.state.data.tokens.length;
    const added: ConversationItem[] = [{ type: 'tool_result', callId: first.callId, output: 'Success. Updated the following files:\nM hello.py\n' }];
    const continued = await collect(engine.generate(request(added, { toolChoice: { type: 'auto' }, maxOutputTokens: 1, continueFrom: firstFinish.state })));
    const prompt = continued[0];
    assert.ok(prompt?.type === 'prompt');
    // The rendered call (raw input, as generated) lines up with the state's output tokens.
    assert.equal(prompt.cachedInputTokens, stateTokens, `cached ${prompt.cachedInputTokens} of a ${stateTokens}-token state`);
    // Resent whole (HTTP), the history before the call is the same; the input's text may split into other tokens.
    const resent: ConversationItem[] = [...conversation, { type: 'tool_call', callId: first.callId, name: 'apply_patch', arguments: first.input, kind: 'custom' }, ...added];
    const fresh = await collect(engine.generate(request(resent, { toolChoice: { type: 'auto' }, maxOutputTokens: 1 })));
    const freshPrompt = fresh[0];
    assert.ok(freshPrompt?.type === 'prompt');
    assert.ok(freshPrompt.cachedInputTokens >= first.inputTokens, `cached ${freshPrompt.cachedInputTokens}, first prompt ${first.inputTokens}`);
    t.diagnostic(`state ${stateTokens} tokens (prompt ${first.inputTokens}); continuation cached ${prompt.cachedInputTokens}; resent history cached ${freshPrompt.cachedInputTokens} of ${freshPrompt.inputTokens}`);
  });

  it('takes a text-format custom tool input unconstrained, ending at the end of generation or the limit', async () => {
    const notes: ToolSpec = { kind: 'custom', name: 'write_note', description: 'Write a short note.' };
    const call = onlyCall(await collect(engine.generate(request([{ type: 'user', text: 'Write a note saying "buy milk".' }], { tools: [notes], toolChoice: { type: 'named', name: 'write_note' }, maxOutputTokens: 24 }))));
    assert.ok(call.reason === 'tool_calls' || call.reason === 'length', call.reason);
    assert.equal(call.deltas.join(''), call.input);
    assert.ok(call.input.length > 0);
  });

  it('refuses a grammar outside the supported subset before generating, naming the tool', async () => {
    const tool: ToolSpec = { kind: 'custom', name: 'apply_patch', grammar: { syntax: 'lark', definition: 'start: WORD\n%import common.WORD\n%ignore " "\n' } };
    await assert.rejects(async () => {
      await engine.generate(request([{ type: 'user', text: 'hi' }], { tools: [tool] }))[Symbol.asyncIterator]().next();
    }, (error: unknown) => EngineError.is(error) && error.code === 'invalid_request' && error.param === 'tools[0].format.definition' && /%ignore/.test(error.message));
  });

  it('refuses a grammar llama.cpp cannot compile (left recursion) with invalid_request', async () => {
    const tool: ToolSpec = { kind: 'custom', name: 'apply_patch', grammar: { syntax: 'lark', definition: 'start: start "a" | "b"\n' } };
    await assert.rejects(async () => {
      await engine.generate(request([{ type: 'user', text: 'hi' }], { tools: [tool] }))[Symbol.asyncIterator]().next();
    }, (error: unknown) => EngineError.is(error) && error.code === 'invalid_request');
  });
});
