import { Worker } from 'node:worker_threads';
import type { LlamaGpuType, LlamaText, Token } from 'node-llama-cpp';
import { EngineError } from '@spark/engine';
import type { BoundedTokenizeOptions, BoundedTokens } from './bounded-tokenize.js';
import type { TokenizerReply, TokenizerRequest } from './tokenizer-messages.js';

type Pending = { resolve: (reply: TokenizerReply) => void; reject: (error: Error) => void };

/** What the worker needs to load the same binaries as the engine. */
export interface TokenizerWorkerData {
  readonly gpu: LlamaGpuType;
}

/**
 * The engine's side of the tokenizer worker (`tokenizer-worker-main.ts`): requests go out with
 * an id and come back as a transferred `Uint32Array`. The thread starts with the first large
 * text (a vocabulary costs 30-170 MB, which engines that only see small texts never pay) and
 * ends with the engine; if it dies, every pending and later request fails with an EngineError.
 */
export class TokenizerWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  private closed: Promise<void> | undefined;

  constructor(private readonly data: TokenizerWorkerData) {}

  /** Whether the thread has been started (by a first large text). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Tokenizes `text` with `modelPath`'s vocabulary (loaded on first use) without working past `options.maxTokens` (see boundedTokenize). */
  async tokenize(modelPath: string, text: LlamaText, maxTokenBytes: number, options: BoundedTokenizeOptions): Promise<BoundedTokens> {
    const reply = await this.send((id) => ({
      type: 'tokenize', id, modelPath, text: text.toJSON(), trimLeadingSpace: options.trimLeadingSpace, maxTokens: options.maxTokens, maxTokenBytes,
    }));
    if (reply.type === 'tokens') return { kind: 'tokens', tokens: Array.from(reply.tokens) as Token[] };
    if (reply.type === 'exceeded') return { kind: 'exceeded', atLeast: reply.atLeast };
    throw unexpected(reply);
  }

  /** Frees the vocabularies and ends the thread (gracefully: terminating it mid-call would abort native code). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      const worker = this.worker;
      if (!worker || this.failure) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      worker.postMessage({ type: 'close' } satisfies TokenizerRequest);
      await exited;
    })();
    return this.closed;
  }

  private start(): Worker {
    const worker = new Worker(new URL('./tokenizer-worker-main.js', import.meta.url), { workerData: this.data });
    // Only a worker with work keeps the process alive: an engine that is never disposed still lets Node exit.
    worker.unref();
    worker.on('message', (reply: TokenizerReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      waiting?.resolve(reply);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`The tokenizer worker exited (code ${code}).`)));
    return worker;
  }

  private send(build: (id: number) => TokenizerRequest): Promise<TokenizerReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new EngineError('internal', 'The engine has been disposed.'));
    this.worker ??= this.start();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise<TokenizerReply>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage(build(id));
    });
  }

  private fail(cause: Error): void {
    this.failure ??= new EngineError('internal', 'The tokenizer worker stopped.', { cause });
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}

function unexpected(reply: TokenizerReply): Error {
  return new EngineError('internal', reply.type === 'failed' ? `Tokenizing failed: ${reply.message}` : `Unexpected tokenizer reply ${reply.type}.`);
}
