/** The wire API an upstream speaks: OpenAI's Responses, or Chat Completions (everyone else). */
export type WireApi = 'responses' | 'chat';

export interface ProviderPreset {
  /** Where it answers; absent when it runs wherever the user deployed it (vLLM, SGLang, a Spark). */
  readonly baseUrl?: string;
  readonly api: WireApi;
  /** The environment variable its key is read from by default; absent: no key needed. */
  readonly apiKeyEnv?: string;
  /** True when a request without a key is refused (hosted providers). */
  readonly keyRequired?: boolean;
}

/**
 * Built-in providers, so a user types one flag and a key (`--upstream cerebras` with
 * CEREBRAS_API_KEY set). Base URLs are the providers' documented OpenAI-compatible endpoints;
 * local servers use their default ports. Hosted providers that also offer a Responses endpoint in
 * beta (Groq, OpenRouter) are spoken to in Chat Completions, which they document as stable.
 */
export const PROVIDER_PRESETS: Readonly<Record<string, ProviderPreset>> = Object.freeze({
  openai: { baseUrl: 'https://api.openai.com/v1', api: 'responses', apiKeyEnv: 'OPENAI_API_KEY', keyRequired: true },
  cerebras: { baseUrl: 'https://api.cerebras.ai/v1', api: 'chat', apiKeyEnv: 'CEREBRAS_API_KEY', keyRequired: true },
  groq: { baseUrl: 'https://api.groq.com/openai/v1', api: 'chat', apiKeyEnv: 'GROQ_API_KEY', keyRequired: true },
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', api: 'chat', apiKeyEnv: 'OPENROUTER_API_KEY', keyRequired: true },
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', api: 'chat' },
  'lm-studio': { baseUrl: 'http://127.0.0.1:1234/v1', api: 'chat' },
  'llama-server': { baseUrl: 'http://127.0.0.1:8080/v1', api: 'chat', apiKeyEnv: 'LLAMA_API_KEY' },
  vllm: { api: 'chat', apiKeyEnv: 'VLLM_API_KEY' },
  sglang: { api: 'chat', apiKeyEnv: 'SGLANG_API_KEY' },
  spark: { api: 'responses', apiKeyEnv: 'SPARK_UPSTREAM_API_KEY' },
});
