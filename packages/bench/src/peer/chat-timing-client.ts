import { sseData } from '../sse-data.js';
import type { StreamTiming } from '../sse-timing-client.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

interface ChatChunk {
  choices?: Array<{ delta?: { content?: string | null } }>;
  usage?: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number } };
}

/**
 * One streamed `POST /v1/chat/completions` (llama-server's OpenAI-compatible endpoint), timed from
 * the client side of a real socket the way `timedStream` times Spark's Responses stream, so the
 * two servers are measured by the same clock on the same events (first and last text delta).
 * `model` is sent when the server routes by it (Spark, the bench's synthetic upstream).
 */
export async function timedChatStream(baseUrl: string, messages: readonly ChatMessage[], maxTokens: number, model?: string): Promise<StreamTiming> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...(model === undefined ? {} : { model }), messages, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  let first = 0;
  let last = 0;
  let text = '';
  let usage: ChatChunk['usage'];
  for await (const data of sseData(response.body as AsyncIterable<Uint8Array>)) {
    if (data === '[DONE]') continue;
    const parsed = JSON.parse(data) as ChatChunk;
    const delta = parsed.choices?.[0]?.delta?.content;
    if (delta) {
      last = performance.now();
      if (first === 0) first = last;
      text += delta;
    }
    if (parsed.usage) usage = parsed.usage;
  }
  if (!usage) throw new Error('chat stream ended without usage');
  return {
    ttftMs: first - started,
    inputTokens: usage.prompt_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    outputTokens: usage.completion_tokens,
    decodeTokensPerSecond: usage.completion_tokens > 1 && last > first ? ((usage.completion_tokens - 1) * 1000) / (last - first) : 0,
    text,
    output: [],
  };
}
