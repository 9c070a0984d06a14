import type { LlamaTextJSON } from 'node-llama-cpp';

/** What the engine asks its tokenizer worker (one worker per engine, any number of models). */
export type TokenizerRequest =
  | {
    readonly type: 'tokenize';
    readonly id: number;
    readonly modelPath: string;
    readonly text: LlamaTextJSON;
    readonly trimLeadingSpace: boolean;
    readonly maxTokens: number;
    /** The vocabulary's longest token in bytes (see longestTokenBytes). */
    readonly maxTokenBytes: number;
  }
  | { readonly type: 'close' };

/** The worker's answer to one request, matched by `id`. */
export type TokenizerReply =
  | { readonly id: number; readonly type: 'tokens'; readonly tokens: Uint32Array }
  | { readonly id: number; readonly type: 'exceeded'; readonly atLeast: number }
  | { readonly id: number; readonly type: 'failed'; readonly message: string };
