import { sseData } from './sse-data.js';

export interface StreamTiming {
  ttftMs: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /** Output tokens after the first, over the time from the first to the last text delta. */
  decodeTokensPerSecond: number;
  text: string;
  /** The terminal response's output items, as a client would echo them back. */
  output: unknown[];
}

/** One streamed `POST /v1/responses`, timed from the client side of a real socket. */
export async function timedStream(baseUrl: string, body: Record<string, unknown>, apiKey = 'bench'): Promise<StreamTiming> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ ...body, stream: true }),
  });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  let first = 0;
  let last = 0;
  let text = '';
  let usage: { input_tokens: number; output_tokens: number; input_tokens_details: { cached_tokens: number } } | undefined;
  let output: unknown[] = [];
  for await (const data of sseData(response.body as AsyncIterable<Uint8Array>)) {
    const event = JSON.parse(data) as { type: string; delta?: string; response?: { usage?: typeof usage; error?: unknown; output?: unknown[] } };
    if (event.type === 'response.output_text.delta' || event.type === 'response.function_call_arguments.delta') {
      last = performance.now();
      if (first === 0) first = last;
      text += event.delta ?? '';
    } else if (event.type === 'response.completed' || event.type === 'response.incomplete') {
      usage = event.response?.usage;
      output = event.response?.output ?? [];
    } else if (event.type === 'response.failed') {
      throw new Error(`response failed: ${JSON.stringify(event.response?.error)}`);
    }
  }
  if (!usage) throw new Error('stream ended without a terminal event');
  return {
    ttftMs: first - started,
    inputTokens: usage.input_tokens,
    cachedTokens: usage.input_tokens_details.cached_tokens,
    outputTokens: usage.output_tokens,
    decodeTokensPerSecond: usage.output_tokens > 1 && last > first ? ((usage.output_tokens - 1) * 1000) / (last - first) : 0,
    text,
    output,
  };
}
