import { readFile } from 'node:fs/promises';
import type { GbnfJsonSchema, Llama, LlamaGrammar } from 'node-llama-cpp';
import { EngineError } from '@spark/engine';
import { nodeLlamaCppDirs } from './engine-build/node-llama-cpp-dirs.js';

/** Compiled grammars kept per engine; tool sets and schemas repeat across turns. */
export const DEFAULT_GRAMMAR_CACHE_SIZE = 64;

/**
 * Compiles grammars once and reuses them: keyed by GBNF text or by the normalized schema's
 * JSON. Least recently used entries are dropped beyond `maxEntries`. A grammar that fails to
 * compile is reported as EngineError 'invalid_request' and not cached.
 */
export class GrammarCache {
  private readonly llama: Llama;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Promise<LlamaGrammar>>();

  constructor(llama: Llama, maxEntries = DEFAULT_GRAMMAR_CACHE_SIZE) {
    this.llama = llama;
    this.maxEntries = maxEntries;
  }

  /** A grammar from GBNF text. */
  gbnf(grammar: string, param: string): Promise<LlamaGrammar> {
    return this.get(`gbnf:${grammar}`, param, () => this.llama.createGrammar({ grammar }));
  }

  /** A grammar constraining output to one JSON value valid against `schema` (already normalized). */
  jsonSchema(schema: GbnfJsonSchema, param: string): Promise<LlamaGrammar> {
    return this.get(`schema:${JSON.stringify(schema)}`, param, () => this.llama.createGrammarForJsonSchema<GbnfJsonSchema, Record<string, GbnfJsonSchema>>(schema));
  }

  /**
   * Any JSON object: llama.cpp's json.gbnf, as node-llama-cpp ships it beside its prebuilt
   * binaries. Read from there rather than through `getGrammarFor`, which on a local build looks
   * in the cloned llama.cpp source, and a build restored from Spark's cache has none.
   */
  anyJsonObject(): Promise<LlamaGrammar> {
    return this.get('builtin:json', 'text.format', async () => this.llama.createGrammar({ grammar: await readFile(nodeLlamaCppDirs().jsonGrammar, 'utf8') }));
  }

  private get(key: string, param: string, compile: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    const cached = this.entries.get(key);
    if (cached) {
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const compiled = compile().catch((cause: unknown) => {
      this.entries.delete(key);
      throw new EngineError('invalid_request', `Could not compile a grammar for ${param}.`, { cause, param });
    });
    this.entries.set(key, compiled);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return compiled;
  }
}
