import WebSocket from 'ws';
import { sseData } from './sse-data.js';

/**
 * One stream of a concurrent burst, as its client saw it: whether it reached its terminal event
 * with every token, and when its first and last text delta arrived. Events are told apart by the
 * start of their JSON (Spark writes `type` first, the synthetic upstream writes the same bytes
 * every chunk), so the bench's own process parses almost nothing and leaves the cores to the
 * servers it measures.
 */
export interface CountedStream {
  ok: boolean;
  tokens: number;
  firstAt: number;
  lastAt: number;
  error?: string;
}

const RESPONSES_DELTA = '{"type":"response.output_text.delta"';
const RESPONSES_DONE = '{"type":"response.completed"';
const CHAT_DELTA = '"delta":{"content":';

/** A streamed `POST /v1/chat/completions`, counting content chunks up to `[DONE]`. */
export function countChatStream(baseUrl: string, body: Record<string, unknown>, expected: number): Promise<CountedStream> {
  return countSse(`${baseUrl}/v1/chat/completions`, body, expected, (data) => data.includes(CHAT_DELTA), (data) => data === '[DONE]');
}

/** A streamed `POST /v1/responses`, counting text deltas up to `response.completed`. */
export function countResponsesSse(baseUrl: string, body: Record<string, unknown>, expected: number): Promise<CountedStream> {
  return countSse(`${baseUrl}/v1/responses`, body, expected, (data) => data.startsWith(RESPONSES_DELTA), (data) => data.startsWith(RESPONSES_DONE));
}

async function countSse(url: string, body: Record<string, unknown>, expected: number, isDelta: (data: string) => boolean, isEnd: (data: string) => boolean): Promise<CountedStream> {
  const counted: CountedStream = { ok: false, tokens: 0, firstAt: 0, lastAt: 0 };
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    if (!response.ok || !response.body) return { ...counted, error: `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}` };
    let ended = false;
    for await (const data of sseData(response.body as AsyncIterable<Uint8Array>)) {
      if (isDelta(data)) {
        counted.lastAt = performance.now();
        if (counted.tokens++ === 0) counted.firstAt = counted.lastAt;
      } else if (isEnd(data)) {
        ended = true;
      }
    }
    counted.ok = ended && counted.tokens === expected;
    if (!counted.ok) counted.error = `ended ${ended}, ${counted.tokens} of ${expected} tokens`;
  } catch (error) {
    counted.error = error instanceof Error ? error.message : String(error);
  }
  return counted;
}

/** An open WebSocket on Spark's `/v1/responses`, ready for one counted `response.create`. */
export async function openCountedSocket(baseUrl: string): Promise<WebSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/responses`, { headers: { authorization: 'Bearer bench' } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** One `response.create` on `socket`, counting text deltas up to `response.completed` (or a failure). */
export function countResponsesWs(socket: WebSocket, body: Record<string, unknown>, expected: number): Promise<CountedStream> {
  return new Promise((resolve) => {
    const counted: CountedStream = { ok: false, tokens: 0, firstAt: 0, lastAt: 0 };
    const finish = (error?: string): void => {
      socket.off('message', onMessage);
      socket.off('close', onClose);
      counted.ok = error === undefined && counted.tokens === expected;
      if (!counted.ok) counted.error = error ?? `${counted.tokens} of ${expected} tokens`;
      resolve(counted);
    };
    const onMessage = (data: Buffer): void => {
      const text = data.toString('utf8');
      if (text.startsWith(RESPONSES_DELTA)) {
        counted.lastAt = performance.now();
        if (counted.tokens++ === 0) counted.firstAt = counted.lastAt;
      } else if (text.startsWith(RESPONSES_DONE)) {
        finish();
      } else if (text.startsWith('{"type":"response.failed"') || text.startsWith('{"type":"response.incomplete"') || text.startsWith('{"type":"error"')) {
        finish(text.slice(0, 200));
      }
    };
    const onClose = (): void => finish('socket closed');
    socket.on('message', onMessage);
    socket.once('close', onClose);
    socket.send(JSON.stringify({ type: 'response.create', ...body }));
  });
}
