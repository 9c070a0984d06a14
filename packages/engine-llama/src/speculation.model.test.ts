// Speculative decoding on a real GGUF (SmolLM2 by default): greedy output with drafts verified
// in batches must equal plain greedy output exactly (the engine measures at load which batch
// sizes compute like one-token steps and verifies no more at once), leave the same KV state,
// and report prediction tokens in usage.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { ConversationItem, GenerateRequest } from '@spark/engine';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEntries } from './batch-limit-cache.js';
import type { LlamaEngineEvent } from './llama-engine-event.js';
import { MAX_VERIFY_BATCH_TOKENS } from './llama-engine-options.js';
import { LlamaEngine } from './llama-engine.js';
import { withTempDir } from './model-registry/testing/with-temp-dir.js';
import { longExactBatches } from './testing/long-exact-batches.js';

const MODEL_PATH = process.env['SPARK_TEST_MODEL_PATH'] ?? '/root/.cache/spark/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const MODEL = 'test-model';

const FILE = `import { readFile } from 'node:fs/promises';

const RETRY_LIMIT = 3;

export async function loadConfig(path: string): Promise<Record<string, unknown>> {
  let attempt = 0;
  while (attempt < RETRY_LIMIT) {
    try {
      const text = await readFile(path, 'utf8');
      return JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      attempt += 1;
      if (attempt >= RETRY_LIMIT) throw error;
    }
  }
  return {};
}
`;
const EDIT: ConversationItem[] = [{ type: 'user', text: `Here is a TypeScript file:\n\`\`\`ts\n${FILE}\`\`\`\nPlease repeat the file above with RETRY_LIMIT = 5.` }];
const CHAT: ConversationItem[] = [{ type: 'user', text: 'What is the capital of France? Answer in two sentences.' }];
const LIST: ConversationItem[] = [{ type: 'system', text: 'You are a helpful assistant.' }, { type: 'user', text: 'List the days of the week, one per line, then the months of the year, one per line.' }];

function request(conversation: ConversationItem[], extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: MODEL, conversation, tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: false, outputFormat: { type: 'text' },
    sampling: { temperature: 0 }, signal: new AbortController().signal, maxOutputTokens: 160, ...extra,
  };
}

interface Run { text: string; finish: Extract<LlamaEngineEvent, { type: 'finish' }> }

async function run(engine: LlamaEngine, req: GenerateRequest): Promise<Run> {
  let text = '';
  let finish: Run['finish'] | undefined;
  for await (const event of engine.generate(req)) {
    if (event.type === 'text-delta') text += event.delta;
    if (event.type === 'finish') finish = event;
  }
  assert.ok(finish);
  return { text, finish };
}

describe('speculative decoding on SmolLM2', () => {
  let plain: LlamaEngine;
  let fast: LlamaEngine;
  /** The exact verification batch limit `fast` measured on this machine. */
  let limit: number;
  /** Whether exact batches are long enough here to count accepted tokens (what holds everywhere is checked anyway: equal output). */
  const speculates = (t: TestContext, what: string): boolean => longExactBatches(fast, MODEL, t, what);

  before(async () => {
    // No prefix reuse: every request prefills its whole prompt the same way on both engines, so
    // that only speculation differs (a reused prefix changes the batch split, and with it the
    // rounding of near-ties).
    const common = { models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 2048, sequences: 1, threads: 2, decodeThreads: 1, prefixReuse: false };
    plain = await LlamaEngine.create({ ...common, speculation: false });
    // Exact: batches that compute bit for bit like one-token steps, so outputs must be equal.
    fast = await LlamaEngine.create({ ...common, speculation: true, speculationTolerance: 0 });
    limit = fast.verifyBatchLimit(MODEL) ?? 0;
  });

  after(async () => {
    await plain.dispose();
    await fast.dispose();
  });

  it('matches plain greedy output, token count and KV state, with prompt lookup and with a prediction', async (t) => {
    for (const conversation of [EDIT, CHAT, LIST]) {
      const base = await run(plain, request(conversation));
      assert.equal(base.finish.metadata?.llama.speculation, undefined, 'the plain engine does not speculate');
      const lookup = await run(fast, request(conversation));
      const predicted = await run(fast, request(conversation, { prediction: base.text }));
      for (const [name, other] of [['lookup', lookup], ['prediction', predicted]] as const) {
        assert.equal(other.text, base.text, `${name}: same text`);
        assert.equal(other.finish.usage.outputTokens, base.finish.usage.outputTokens, `${name}: same output tokens`);
        assert.equal(other.finish.reason, base.finish.reason);
        assert.deepEqual(other.finish.state?.data.tokens, base.finish.state?.data.tokens, `${name}: same KV state`);
      }
      // The plain output as the prediction: nearly every token is drafted and accepted (a short
      // answer may not be worth a verification batch).
      const speculation = predicted.finish.metadata?.llama.speculation;
      if (limit < 2) {
        assert.equal(speculation, undefined, 'no exact batch on this machine: no speculation');
        continue;
      }
      assert.ok(speculation);
      if (base.finish.usage.outputTokens < 40 || !speculates(t, 'most prediction tokens accepted')) continue;
      assert.ok((predicted.finish.usage.acceptedPredictionTokens ?? 0) >= base.finish.usage.outputTokens / 2, JSON.stringify(predicted.finish.usage));
      assert.ok(speculation.steps < base.finish.usage.outputTokens / 2, 'far fewer steps than tokens');
    }
  });

  it('measures at load the largest verification batch that computes like one-token steps, exactly or within a tolerance', async (t) => {
    t.diagnostic(`${fast.build}: exact verification batch limit ${limit}`);
    assert.ok(Number.isInteger(limit) && limit >= 1 && limit <= MAX_VERIFY_BATCH_TOKENS, String(limit));
    assert.equal(plain.verifyBatchLimit(MODEL), MAX_VERIFY_BATCH_TOKENS, 'nothing to measure without speculation');
    const options = { models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 512, sequences: 1, threads: 2, decodeThreads: 1 };
    const tolerant = await LlamaEngine.create(options);
    const loose = await LlamaEngine.create({ ...options, speculationTolerance: Infinity });
    try {
      t.diagnostic(`within the default tolerance: ${tolerant.verifyBatchLimit(MODEL)}`);
      assert.ok((tolerant.verifyBatchLimit(MODEL) ?? 0) >= limit, 'a tolerance admits at least the exact batches');
      assert.equal(loose.verifyBatchLimit(MODEL), MAX_VERIFY_BATCH_TOKENS, 'any batch: the cap, unmeasured');
    } finally {
      await tolerant.dispose();
      await loose.dispose();
    }
    await assert.rejects(LlamaEngine.create({ ...options, speculationTolerance: -1 }), RangeError);
  });

  it('keeps the measured limit in the batch limit cache and reads it back at the next load instead of measuring', () =>
    withTempDir('spark-batch-limit-model-', async (dir) => {
      const batchLimitCacheFile = join(dir, 'limits.json');
      const options = { models: [{ id: MODEL, path: MODEL_PATH }], contextSize: 512, sequences: 1, threads: 2, decodeThreads: 1, speculationTolerance: 0, batchLimitCacheFile };
      const first = await LlamaEngine.create(options);
      await first.dispose();
      const [entry, ...rest] = parseEntries(await readFile(batchLimitCacheFile, 'utf8'));
      assert.ok(entry !== undefined && rest.length === 0);
      assert.equal(entry.limit, first.verifyBatchLimit(MODEL));
      assert.equal(entry.limit, fast.verifyBatchLimit(MODEL), 'the same setup measures the same limit');
      // A forged entry shows that the next load reads the file rather than measuring.
      await writeFile(batchLimitCacheFile, JSON.stringify({ version: 1, entries: [{ ...entry, limit: 5 }] }));
      const second = await LlamaEngine.create(options);
      await second.dispose();
      assert.equal(second.verifyBatchLimit(MODEL), 5);
    }));

  it('re-aligns a prediction that departs from the output and still produces the plain output', async (t) => {
    const base = await run(plain, request(EDIT));
    const words = base.text.split(' ');
    // A wrong word early on, and a line the output does not have.
    words[3] = 'banana';
    const lines = words.join(' ').split('\n');
    lines.splice(Math.floor(lines.length / 2), 0, '  // an extra line the model will not write');
    const predicted = await run(fast, request(EDIT, { prediction: lines.join('\n') }));
    assert.equal(predicted.text, base.text);
    const usage = predicted.finish.usage;
    if (!speculates(t, 're-alignment accepts most of the prediction')) return;
    // The prediction departs at its fourth word: without re-alignment it would supply a few tokens
    // at most. (Lookup drafts from the prompt compete with it, so how many varies with timing.)
    assert.ok((usage.acceptedPredictionTokens ?? 0) > base.finish.usage.outputTokens / 4, JSON.stringify(usage));
  });

  it('stops at max_output_tokens inside a verified draft, with the same text and state as a plain run', async () => {
    const full = await run(plain, request(LIST));
    for (const maxOutputTokens of [5, 37]) {
      const base = await run(plain, request(LIST, { maxOutputTokens }));
      const cut = await run(fast, request(LIST, { maxOutputTokens, prediction: full.text }));
      assert.equal(cut.finish.reason, 'length');
      assert.equal(cut.finish.usage.outputTokens, maxOutputTokens);
      assert.equal(cut.text, base.text);
      assert.deepEqual(cut.finish.state?.data.tokens, base.finish.state?.data.tokens);
    }
  });

  // Under a grammar it does speculate: grammar-speculation.model.test.ts.
  it('does not speculate when sampling', async () => {
    const sampled = await run(fast, request(CHAT, { sampling: { temperature: 0.8, seed: 1 }, prediction: 'Paris is the capital of France.' }));
    assert.equal(sampled.finish.metadata?.llama.speculation, undefined);
    assert.equal(sampled.finish.usage.acceptedPredictionTokens, undefined);
  });

  it('stops within a step when aborted while speculating, keeping a consistent state', async () => {
    const full = await run(plain, request(LIST));
    const controller = new AbortController();
    let text = '';
    let finish: Run['finish'] | undefined;
    for await (const event of fast.generate(request(LIST, { signal: controller.signal, prediction: full.text }))) {
      if (event.type === 'text-delta') {
        text += event.delta;
        if (text.length > 40) controller.abort();
      }
      if (event.type === 'finish') finish = event;
    }
    assert.equal(finish?.reason, 'aborted');
    assert.ok(full.text.startsWith(text), 'the partial output is a prefix of the plain output');
    const state = finish.state?.data.tokens ?? [];
    assert.deepEqual(state, full.finish.state?.data.tokens.slice(0, state.length), 'the state is a prefix of the plain run\'s');
  });
});
