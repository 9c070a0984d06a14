// Engines that serve models from another server (OpenAI, Cerebras, vLLM, SGLang, Ollama,
// llama-server, a second `spark serve`): the same `Engine` contract as the embedded engine.
export const ENGINE_UPSTREAM = 'upstream';
