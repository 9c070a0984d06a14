import { parentPort } from 'node:worker_threads';
import { getLlama, LlamaLogLevel, LlamaText, type Llama, type LlamaModel } from 'node-llama-cpp';
import { boundedTokenize } from './bounded-tokenize.js';
import type { TokenizerReply, TokenizerRequest } from './tokenizer-messages.js';

/**
 * The tokenizer worker: loads each model's vocabulary only (no weights) and tokenizes prompts
 * off the engine's event loop. llama.cpp's tokenizer is synchronous and runs at a few hundred
 * KB/s, so a large prompt tokenized on the main thread would stall every other stream.
 */
const port = parentPort;
if (!port) throw new Error('tokenizer-worker-main runs only as a worker thread');

let llama: Promise<Llama> | undefined;
const models = new Map<string, Promise<{ model: LlamaModel; maxTokenBytes: number }>>();

function load(modelPath: string): Promise<{ model: LlamaModel; maxTokenBytes: number }> {
  let loaded = models.get(modelPath);
  if (!loaded) {
    llama ??= getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: 1 });
    loaded = llama.then(async (instance) => {
      const model = await instance.loadModel({ modelPath, vocabOnly: true });
      return { model, maxTokenBytes: longestTokenBytes(model) };
    });
    models.set(modelPath, loaded);
  }
  return loaded;
}

/** Bytes of the longest token's text: every token of a text spells at most this much of it. */
function longestTokenBytes(model: LlamaModel): number {
  const size = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  let longest = 1;
  for (let token = 0; token < size; token += 1) {
    // A token holding part of a UTF-8 character detokenizes to U+FFFD (3 bytes): an over-estimate, which only weakens the bound.
    longest = Math.max(longest, Buffer.byteLength(model.detokenize([token as never], true), 'utf8'));
  }
  return longest;
}

async function handle(request: Exclude<TokenizerRequest, { type: 'close' }>): Promise<{ reply: TokenizerReply; transfer: ArrayBuffer[] }> {
  const { model, maxTokenBytes } = await load(request.modelPath);
  if (request.type === 'load') return { reply: { id: request.id, type: 'loaded', maxTokenBytes }, transfer: [] };
  const result = boundedTokenize(LlamaText.fromJSON(request.text), model.tokenizer, maxTokenBytes, request);
  if (result.kind === 'exceeded') return { reply: { id: request.id, type: 'exceeded', atLeast: result.atLeast }, transfer: [] };
  const tokens = Uint32Array.from(result.tokens);
  return { reply: { id: request.id, type: 'tokens', tokens }, transfer: [tokens.buffer] };
}

async function close(): Promise<void> {
  for (const loaded of models.values()) await (await loaded.catch(() => undefined))?.model.dispose();
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
