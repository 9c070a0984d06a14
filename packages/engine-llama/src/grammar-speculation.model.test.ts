// Speculative decoding under a grammar on real GGUFs (SmolLM2 and Gemma 3 270M): structured
// output, a forced function call and a forced custom tool call decode with drafts verified in
// batches, and must produce exactly the tokens of plain constrained greedy decoding (a draft
// token counts only where it is the argmax of the grammar-constrained distribution). The
// requests copy text from the prompt, so prompt lookup drafts and the drafts are accepted.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GenerateRequest, ToolSpec } from '@spark/engine';
import type { LlamaFinishEvent } from './llama-engine-event.js';
import { LlamaEngine } from './llama-engine.js';
import { modelCacheDir } from './model-registry/model-cache-dir.js';
import { longExactBatches } from './testing/long-exact-batches.js';

const MODELS = [
  { name: 'SmolLM2', path: process.env['SPARK_TEST_MODEL_PATH'] ?? join(modelCacheDir(), 'smollm2-135m', 'SmolLM2-135M-Instruct.Q4_1.gguf') },
  { name: 'Gemma 3 270M', path: process.env['SPARK_TEST_GEMMA_PATH'] ?? join(modelCacheDir(), 'gemma3-270m', 'gemma-3-270m-q4_k_m.gguf') },
];
const MODEL = 'test-model';

/** Text the requests ask the model to copy: both tiny models do copy it (into the JSON value, or on from it). */
const NOTE = 'The meeting is moved to Thursday at ten in the morning. Please bring the quarterly report, the budget spreadsheet and your laptop. '
  + 'Lunch will be served after the meeting in the small kitchen on the second floor.';

const saveNote: ToolSpec = {
  kind: 'function', name: 'save_note', description: 'Save a note', strict: true,
  parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
};
const saveRawNote: ToolSpec = { kind: 'custom', name: 'save_note', description: 'Save a note: the input is the note.' };
const noteSchema = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false };
const SYSTEM = { type: 'system', text: 'You are a careful assistant. When asked to save a note, call save_note with the exact note.' } as const;

const CASES: ReadonlyArray<{ name: string; extra: Partial<GenerateRequest> }> = [
  {
    name: 'a JSON-schema structured output',
    extra: { conversation: [{ type: 'user', text: `Return this note as JSON, word for word: ${NOTE}` }], outputFormat: { type: 'json_schema', schema: noteSchema, strict: true } },
  },
  {
    name: 'a forced function call with JSON arguments',
    extra: { conversation: [SYSTEM, { type: 'user', text: `Save this note with save_note, word for word: ${NOTE}` }], tools: [saveNote], toolChoice: { type: 'named', name: 'save_note' } },
  },
  {
    name: 'a forced custom tool call',
    extra: { conversation: [SYSTEM, { type: 'user', text: `Save this note with save_note, word for word: ${NOTE}` }], tools: [saveRawNote], toolChoice: { type: 'named', name: 'save_note' } },
  },
];

function request(extra: Partial<GenerateRequest>): GenerateRequest {
  return {
    model: MODEL, conversation: [], tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: false, outputFormat: { type: 'text' },
    sampling: { temperature: 0 }, signal: new AbortController().signal, maxOutputTokens: 120, ...extra,
  };
}

interface Run {
  /** The events with call ids left out (each run makes its own). */
  readonly output: unknown[];
  readonly finish: LlamaFinishEvent;
}

async function run(engine: LlamaEngine, req: GenerateRequest): Promise<Run> {
  const output: unknown[] = [];
  let finish: LlamaFinishEvent | undefined;
  for await (const event of engine.generate(req)) {
    if (event.type === 'finish') finish = event;
    else output.push('callId' in event ? { ...event, callId: undefined } : event);
  }
  assert.ok(finish);
  return { output, finish };
}

for (const model of MODELS) {
  describe(`speculative decoding under a grammar on ${model.name}`, { skip: existsSync(model.path) ? false : `no model at ${model.path}` }, () => {
    let plain: LlamaEngine;
    let fast: LlamaEngine;

    before(async () => {
      // As in speculation.model.test.ts: no prefix reuse, so only speculation differs, and exact
      // batches (tolerance 0), so the outputs must be equal token for token.
      const common = { models: [{ id: MODEL, path: model.path }], contextSize: 2048, sequences: 1, threads: 2, decodeThreads: 1, prefixReuse: false };
      plain = await LlamaEngine.create({ ...common, speculation: false });
      fast = await LlamaEngine.create({ ...common, speculation: true, speculationTolerance: 0 });
    });

    after(async () => {
      await plain?.dispose();
      await fast?.dispose();
    });

    for (const { name, extra } of CASES) {
      it(`gives the tokens of plain constrained greedy decoding for ${name}, with drafts accepted`, async (t) => {
        const base = await run(plain, request(extra));
        const fromPrediction = base.output.map((event) => (typeof event === 'object' && event !== null && 'delta' in event && typeof event.delta === 'string' ? event.delta : '')).join('');
        const lookup = await run(fast, request(extra));
        const predicted = await run(fast, request({ ...extra, prediction: fromPrediction }));
        for (const [how, other] of [['lookup', lookup], ['prediction', predicted]] as const) {
          assert.deepEqual(other.output, base.output, `${how}: the same events`);
          assert.equal(other.finish.reason, base.finish.reason, `${how}: the same finish reason`);
          assert.equal(other.finish.usage.outputTokens, base.finish.usage.outputTokens, `${how}: the same output tokens`);
          assert.deepEqual(other.finish.state?.data.tokens, base.finish.state?.data.tokens, `${how}: the same KV state`);
        }
        const speculation = lookup.finish.metadata?.llama.speculation;
        t.diagnostic(`${base.finish.usage.outputTokens} tokens, ${base.finish.reason}; lookup ${JSON.stringify(speculation)}; prediction ${JSON.stringify(predicted.finish.metadata?.llama.speculation)}`);
        if (!longExactBatches(fast, MODEL, t, 'drafts accepted under the grammar')) return;
        assert.ok(speculation, 'the engine speculates under the grammar');
        assert.ok((speculation.acceptedTokens) + (predicted.finish.metadata?.llama.speculation?.acceptedTokens ?? 0) > 0, 'drafts accepted under the grammar');
      });
    }
  });
}
