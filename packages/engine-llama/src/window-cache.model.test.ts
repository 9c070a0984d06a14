// Window-sized caches for Gemma 3's sliding-window layers (`swaFullCache: false`), on the real
// GGUF: llama.cpp really recycles the cells that fell out of the window; a cut whose window still
// lies in the cache is kept, one that would leave a hole is re-read (windowSafePrefix); and
// speculative decoding on such a cache gives exactly the plain greedy output.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLlama, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import type { GenerateRequest } from '@spark/engine';
import type { LlamaFinishEvent } from './llama-engine-event.js';
import { LlamaEngine } from './llama-engine.js';
import { modelCacheDir } from './model-registry/model-cache-dir.js';
import { windowSafePrefix } from './window-safe-prefix.js';

const GEMMA_PATH = process.env['SPARK_TEST_GEMMA_PATH'] ?? join(modelCacheDir(), 'gemma3-270m', 'gemma-3-270m-q4_k_m.gguf');
const MODEL = 'gemma-window';

/** About 3,000 tokens of distinct lines: more than the window cache holds for one sequence. */
function history(): string {
  const lines: string[] = [];
  for (let i = 0; i < 140; i++) lines.push(`function f${i}(value: number): number { return value * ${i % 17} + ${(i * 7) % 31}; }`);
  return lines.join('\n');
}

describe('window-sized sliding-window caches on Gemma 3 270M', { skip: existsSync(GEMMA_PATH) ? false : `no model at ${GEMMA_PATH}` }, () => {
  describe('cuts on a real cache', () => {
    let llama: Llama;
    let model: LlamaModel;
    let context: LlamaContext;
    let sequence: LlamaContextSequence;
    let tokens: Token[];

    before(async () => {
      llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 2 });
      model = await llama.loadModel({ modelPath: GEMMA_PATH });
      context = await model.createContext({ contextSize: 8192, sequences: 1, threads: 2, flashAttention: true, swaFullCache: false });
      sequence = context.getSequence();
      tokens = model.tokenize(history());
    });

    after(async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    });

    it('recycles old cells, keeps a cut whose window is held, and re-reads one whose window has a hole', async (t) => {
      const window = model.fileInsights.swaSize;
      assert.ok(window !== undefined && window > 0, 'Gemma 3 has a sliding window');
      assert.ok(sequence.needsCheckpoints, 'a window-sized cache cannot be cut anywhere');

      await sequence.evaluateWithoutGeneratingNewTokens(tokens);
      const oldest = sequence.stateCellsStartIndex;
      t.diagnostic(`${tokens.length} tokens held, oldest cell at ${oldest}, window ${window}`);
      assert.ok(oldest > 0, 'the cells that fell out of the window were recycled');
      assert.ok(tokens.length - oldest > window, 'more than the window is held');

      // A cut at least a window above the oldest cell: kept as it is.
      const safe = tokens.length - Math.floor((tokens.length - oldest - window) / 2);
      assert.equal(windowSafePrefix(sequence, tokens.slice(0, safe)).length, safe);

      // A cut just above the oldest cell: node-llama-cpp would keep it (it is above the oldest
      // cell), but the next token's window would reach below the cache.
      const holed = oldest + Math.floor(window / 2);
      const kept = windowSafePrefix(sequence, tokens.slice(0, holed));
      assert.ok(kept.length <= oldest, `shortened to the oldest cell or less: ${kept.length}`);
      await sequence.adaptStateToTokens(kept, false);
      assert.ok(sequence.nextTokenIndex <= oldest, `node-llama-cpp re-reads from a checkpoint or from the start: ${sequence.nextTokenIndex}`);
    });
  });

  describe('speculation on a window-sized cache', () => {
    let plain: LlamaEngine;
    let fast: LlamaEngine;

    before(async () => {
      // As in speculation.model.test.ts: no prefix reuse and exact batches, so only speculation differs.
      const common = { models: [{ id: MODEL, path: GEMMA_PATH }], contextSize: 4096, sequences: 1, threads: 2, decodeThreads: 1, prefixReuse: false, swaFullCache: false };
      plain = await LlamaEngine.create({ ...common, speculation: false });
      fast = await LlamaEngine.create({ ...common, speculation: true, speculationTolerance: 0 });
    });

    after(async () => {
      await plain.dispose();
      await fast.dispose();
    });

    it('gives the plain greedy output, token for token, with a prediction', async (t) => {
      const request: GenerateRequest = {
        model: MODEL, tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: false, outputFormat: { type: 'text' },
        sampling: { temperature: 0 }, signal: new AbortController().signal, maxOutputTokens: 96,
        conversation: [{ type: 'user', text: `Repeat these lines exactly:\n${history().split('\n').slice(0, 6).join('\n')}` }],
      };
      const base = await finishOf(plain, request);
      const predicted = await finishOf(fast, { ...request, prediction: base.text });
      assert.equal(predicted.text, base.text);
      assert.deepEqual(predicted.finish.state?.data.tokens, base.finish.state?.data.tokens, 'same KV state');
      const limit = fast.verifyBatchLimit(MODEL) ?? 0;
      t.diagnostic(`exact verification batch limit ${limit}; speculation ${JSON.stringify(predicted.finish.metadata?.llama.speculation ?? null)}`);
      if (limit >= 2) assert.ok(predicted.finish.metadata?.llama.speculation, 'it speculated (a window-sized cache no longer turns it off)');
    });
  });
});

async function finishOf(engine: LlamaEngine, request: GenerateRequest): Promise<{ text: string; finish: LlamaFinishEvent }> {
  let text = '';
  let finish: LlamaFinishEvent | undefined;
  for await (const event of engine.generate(request)) {
    if (event.type === 'text-delta') text += event.delta;
    if (event.type === 'finish') finish = event;
  }
  assert.ok(finish);
  return { text, finish };
}
