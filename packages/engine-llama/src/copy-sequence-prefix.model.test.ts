// KV prefix copies between two sequences of one context on a real GGUF: both methods leave the
// target generating exactly what the source would from the same prefix; timings are reported.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getLlama, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { copySequencePrefix, type KvCopyMethod } from './copy-sequence-prefix.js';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const GENERATED = 8;

async function greedy(sequence: LlamaContextSequence, tokens: Token[]): Promise<Token[]> {
  const out: Token[] = [];
  for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
    out.push(token);
    if (out.length === GENERATED) break;
  }
  return out;
}

describe('copySequencePrefix on a real model', () => {
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;
  let source: LlamaContextSequence;
  let target: LlamaContextSequence;
  let prompt: Token[];
  let length: number;

  before(async () => {
    llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 1 });
    model = await llama.loadModel({ modelPath: MODEL_PATH });
    context = await model.createContext({ contextSize: 4096, sequences: 2, threads: 1, flashAttention: true, swaFullCache: true });
    source = context.getSequence();
    target = context.getSequence();
    prompt = model.tokenize('The quick brown fox jumps over the lazy dog, and then it runs into the forest. '.repeat(40));
    length = prompt.length - 64;
    await source.evaluateWithoutGeneratingNewTokens(prompt);
  });

  after(async () => {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  });

  const copied = new Map<KvCopyMethod, Token[]>();

  for (const method of ['memory', 'file'] as const) {
    it(`copies a prefix (${method}) that generates like the source`, async (t) => {
      await target.clearHistory();
      const copy = await copySequencePrefix(target, source, length, method);
      if (!copy) {
        // A state file has no sliding-window cells beyond the window: it cannot be cut.
        assert.equal(method, 'file');
        assert.notEqual(model.fileInsights.swaSize, undefined);
        t.diagnostic(`${method}: not possible for a prefix on a sliding-window model`);
        return;
      }
      assert.equal(copy.method, method);
      assert.equal(copy.tokens, length);
      assert.deepEqual(target.contextTokens, prompt.slice(0, length));
      assert.equal(source.nextTokenIndex, prompt.length, 'the source is untouched');
      // The first decode after an in-memory copy also performs the queued buffer copy.
      const started = performance.now();
      copied.set(method, await greedy(target, prompt.slice(length)));
      t.diagnostic(`${method}: ${length} of ${prompt.length} tokens in ${copy.ms.toFixed(1)} ms; then ${GENERATED} tokens in ${(performance.now() - started).toFixed(0)} ms`);
    });
  }

  it('matches the source generating from the same prefix', async (t) => {
    await source.adaptStateToTokens(prompt.slice(0, length), false);
    const started = performance.now();
    const reference = await greedy(source, prompt.slice(length));
    t.diagnostic(`no copy: ${GENERATED} tokens in ${(performance.now() - started).toFixed(0)} ms`);
    assert.deepEqual(copied.get('memory'), reference);
    if (copied.has('file')) assert.deepEqual(copied.get('file'), reference);
  });

  it('refuses to copy more than the source holds', async () => {
    await assert.rejects(copySequencePrefix(target, source, source.nextTokenIndex + 1), RangeError);
  });
});
