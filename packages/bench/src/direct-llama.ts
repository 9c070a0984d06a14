import { tuneOpenMpWait } from '@spark/engine-llama';
import { getLlama, resolveChatWrapper, type Llama, type LlamaContext, type LlamaModel, type Token } from 'node-llama-cpp';

export interface DirectRunResult {
  promptTokens: number;
  ttftMs: number;
  outputTokens: number;
  decodeTokensPerSecond: number;
}

export interface EngineSettings {
  contextSize: number;
  sequences: number;
  /** Threads while prefilling. */
  threads: number;
  /** Threads while decoding (one token per step is memory-bound: fewer threads are faster here). */
  decodeThreads: number;
}

/**
 * node-llama-cpp called directly in-process, with the same settings the server's engine uses: the
 * baseline the server path is compared with.
 */
export class DirectLlama {
  private constructor(
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly settings: EngineSettings,
  ) {}

  static async load(path: string, settings: EngineSettings): Promise<DirectLlama> {
    tuneOpenMpWait();
    const llama = await getLlama({ gpu: false, build: 'never' });
    const model = await llama.loadModel({ modelPath: path });
    const context = await model.createContext({
      contextSize: settings.contextSize,
      sequences: settings.sequences,
      threads: settings.threads,
      flashAttention: true,
    });
    return new DirectLlama(llama, model, context, settings);
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  /** The user message rendered with the model's own chat template, as the server renders it. */
  renderUserPrompt(text: string): Token[] {
    const wrapper = resolveChatWrapper(this.model);
    const state = wrapper.generateContextState({ chatHistory: [{ type: 'user', text }, { type: 'model', response: [] }] });
    return state.contextText.tokenize(this.model.tokenizer);
  }

  /** Cold run: an empty sequence, the whole prompt prefilled, then greedy decoding. */
  async run(tokens: Token[], maxTokens: number): Promise<DirectRunResult> {
    const sequence = this.context.getSequence();
    try {
      // The same phase policy as the engine: wide batches get all threads, decoding fewer.
      this.llama.maxThreads = this.settings.threads;
      const started = performance.now();
      let first = 0;
      let last = 0;
      let count = 0;
      for await (const _token of sequence.evaluate(tokens, { temperature: 0 })) {
        last = performance.now();
        if (count === 0) { first = last; this.llama.maxThreads = this.settings.decodeThreads; }
        count += 1;
        if (count >= maxTokens) break;
      }
      return {
        promptTokens: tokens.length,
        ttftMs: first - started,
        outputTokens: count,
        decodeTokensPerSecond: count > 1 ? ((count - 1) * 1000) / (last - first) : 0,
      };
    } finally {
      await sequence.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}
