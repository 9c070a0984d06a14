import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveModel } from '@spark/engine-llama';
import { benchServeVsDirect } from './serve-vs-direct.js';

/** `npm run bench`: every figure is a ratio measured side by side in this one run. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'smollm2-135m' },
      repeats: { type: 'string', default: '3' },
      'decode-tokens': { type: 'string', default: '128' },
      threads: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  });
  const local = await resolveModel(values.model, { pull: true });
  const threads = values.threads ? Number(values.threads) : availableParallelism();
  await benchServeVsDirect({
    modelAlias: local.alias,
    modelPath: local.path,
    settings: { contextSize: 8192, sequences: 4, threads, decodeThreads: Math.max(1, Math.floor(threads / 2)) },
    repeats: values.quick ? 1 : Number(values.repeats),
    decodeTokens: Number(values['decode-tokens']),
    promptSizes: [1024, 4096],
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
