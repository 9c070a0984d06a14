import { parentPort, workerData } from 'node:worker_threads';
import { getLlama, LlamaLogLevel, LlamaText, type Llama, type LlamaModel } from 'node-llama-cpp';
import { boundedTokenize } from './bounded-tokenize.js';
import type { TokenizerReply, TokenizerRequest } from './tokenizer-messages.js';
import type { TokenizerWorkerData } from './tokenizer-worker.js';

/**
 * The tokenizer worker: loads each model's vocabulary only (no weights) and tokenizes prompts
 * off the engine's event loop. llama.cpp's tokenizer is synchronous and runs at a few hundred
 * KB/s, so a large prompt tokenized on the main thread would stall every other stream.
 */
const port = parentPort;
if (!port) throw new Error('tokenizer-worker-main runs only as a worker thread');

let llama: Promise<Llama> | undefined;
const models = new Map<string, Promise<LlamaModel>>();

function load(modelPath: string, gpu: TokenizerWorkerData['gpu']): Promise<LlamaModel> {
  let loaded = models.get(modelPath);
  if (!loaded) {
    llama ??= getLlama({ gpu, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: 1 });
    loaded = llama.then((instance) => instance.loadModel({ modelPath, vocabOnly: true }));
    models.set(modelPath, loaded);
  }
  return loaded;
}

async function handle(request: Extract<TokenizerRequest, { type: 'tokenize' }>): Promise<{ reply: TokenizerReply; transfer: ArrayBuffer[] }> {
  const model = await load(request.modelPath, (workerData as TokenizerWorkerData).gpu);
  const result = boundedTokenize(LlamaText.fromJSON(request.text), model.tokenizer, request.maxTokenBytes, request);
  if (result.kind === 'exceeded') return { reply: { id: request.id, type: 'exceeded', atLeast: result.atLeast }, transfer: [] };
  const tokens = Uint32Array.from(result.tokens);
  return { reply: { id: request.id, type: 'tokens', tokens }, transfer: [tokens.buffer] };
}

async function close(): Promise<void> {
  for (const loaded of models.values()) await (await loaded.catch(() => undefined))?.dispose();
  await (await llama?.catch(() => undefined))?.dispose();
  port?.close();
}

// One request at a time, in arrival order: tokenization is CPU-bound, interleaving gains nothing.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: TokenizerRequest) => {
  queue = queue.then(async () => {
    if (request.type === 'close') { await close(); return; }
    try {
      const { reply, transfer } = await handle(request);
      port.postMessage(reply, transfer);
    } catch (error) {
      port.postMessage({ id: request.id, type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies TokenizerReply);
    }
  });
});
