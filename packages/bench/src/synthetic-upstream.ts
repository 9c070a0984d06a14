// A synthetic Chat Completions upstream for the upstream bench: a model that costs nothing and
// streams at a fixed rate after a fixed time to first token, so whatever a client measures
// beyond that is the cost of the path (Spark in between, or nothing).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Tokens per second of each stream unless the model id names another rate (`tps-<n>`). */
export const DEFAULT_SYNTHETIC_TOKENS_PER_SECOND = 2000;
/** Milliseconds from the request's last byte to its first token (the "prefill"). */
export const DEFAULT_SYNTHETIC_TTFT_MS = 20;
/** Answer length when the request sets no `max_tokens`. */
export const DEFAULT_SYNTHETIC_ANSWER_TOKENS = 256;
/** The longest answer a request may ask for (a typo must not stream for an hour). */
export const MAX_SYNTHETIC_ANSWER_TOKENS = 1_000_000;
/** The highest rate a model id may name. */
export const MAX_SYNTHETIC_TOKENS_PER_SECOND = 1_000_000;
/** The text of every token: one token per chunk, the same bytes each time. */
const TOKEN_TEXT = ' tok';
const CONTEXT_WINDOW = 131_072;

export interface SyntheticUpstreamOptions {
  /** Rates listed by `GET /v1/models` as `tps-<rate>` (any `tps-<n>` is served). */
  rates?: readonly number[];
  ttftMs?: number;
  port?: number;
}

export interface SyntheticUpstream {
  /** `http://127.0.0.1:<port>`; the API is under `/v1`. */
  url: string;
  /** Streams running now. */
  active(): number;
  close(): Promise<void>;
}

/** One answer being streamed: its response, and where it stands against its schedule. */
interface PacedStream {
  res: http.ServerResponse;
  /** `performance.now()` at which its first token is due. */
  firstDueAt: number;
  msPerToken: number;
  sent: number;
  total: number;
  promptTokens: number;
  chunk: string;
  tail: string;
}

/**
 * Tokens of a stream due by `elapsedMs` after its first token was due: the schedule is a
 * function of the clock, not of how many timers fired, so a late wake-up writes every token it
 * owes at once and the stream keeps its rate (one `setTimeout` per token would drift by the
 * timer's lateness on every token).
 */
export function tokensDue(elapsedMs: number, msPerToken: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor(elapsedMs / msPerToken) + 1);
}

/**
 * All streams of the server share one timer: each wake-up writes, per stream, every chunk due
 * (joined into one socket write), then sleeps until the next chunk of any stream is due.
 */
class Pacer {
  private readonly streams = new Set<PacedStream>();
  private timer: NodeJS.Timeout | undefined;

  get size(): number {
    return this.streams.size;
  }

  add(stream: PacedStream): void {
    this.streams.add(stream);
    stream.res.once('close', () => this.streams.delete(stream));
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of this.streams) stream.res.destroy();
    this.streams.clear();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (const stream of this.streams) {
      const due = tokensDue(now - stream.firstDueAt, stream.msPerToken, stream.total);
      if (due <= stream.sent) continue;
      let bytes = stream.chunk.repeat(due - stream.sent);
      stream.sent = due;
      if (due === stream.total) {
        bytes += stream.tail;
        this.streams.delete(stream);
        stream.res.end(bytes);
      } else {
        stream.res.write(bytes);
      }
    }
    this.schedule();
  };

  private schedule(): void {
    if (this.timer !== undefined || this.streams.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const stream of this.streams) next = Math.min(next, stream.firstDueAt + stream.sent * stream.msPerToken);
    this.timer = setTimeout(this.tick, Math.max(0, next - performance.now()));
  }
}

/**
 * Starts the synthetic upstream: `GET /v1/models`, and `POST /v1/chat/completions` streamed as
 * vLLM streams it (a role chunk, one chunk per token, a finish chunk, a usage chunk when asked,
 * `[DONE]`). The answer is `max_tokens` tokens long and ends with `stop`, so a client sees a
 * complete answer of the length it asked for. `POST /v1/responses` is 404, so Spark detects a
 * Chat Completions server. Backpressure is ignored: the bench's readers keep up.
 */
export async function startSyntheticUpstream(options: SyntheticUpstreamOptions = {}): Promise<SyntheticUpstream> {
  const rates = options.rates ?? [DEFAULT_SYNTHETIC_TOKENS_PER_SECOND];
  const ttftMs = options.ttftMs ?? DEFAULT_SYNTHETIC_TTFT_MS;
  const pacer = new Pacer();
  let nextId = 0;
  const server = http.createServer((req, res) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const part of req as AsyncIterable<Buffer>) parts.push(part);
      const receivedAt = performance.now();
      if (req.method === 'GET' && req.url === '/v1/models') {
        sendJson(res, 200, { object: 'list', data: rates.map((rate) => ({ id: `tps-${rate}`, object: 'model', owned_by: 'bench', context_window: CONTEXT_WINDOW })) });
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        sendJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
        return;
      }
      const request = parseChatRequest(Buffer.concat(parts).toString('utf8'));
      if (typeof request === 'string') {
        sendJson(res, 400, { error: { message: request, type: 'invalid_request_error' } });
        return;
      }
      const id = `chatcmpl-syn-${nextId++}`;
      const created = Math.floor(Date.now() / 1000);
      const frame = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices, ...extra })}\n\n`;
      let tail = frame([{ index: 0, delta: {}, finish_reason: 'stop' }]);
      if (request.includeUsage) {
        tail += frame([], { usage: { prompt_tokens: request.promptTokens, completion_tokens: request.tokens, total_tokens: request.promptTokens + request.tokens } });
      }
      tail += 'data: [DONE]\n\n';
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
      pacer.add({
        res,
        firstDueAt: receivedAt + ttftMs,
        msPerToken: 1000 / request.tokensPerSecond,
        sent: 0,
        total: request.tokens,
        promptTokens: request.promptTokens,
        chunk: frame([{ index: 0, delta: { content: TOKEN_TEXT }, finish_reason: null }]),
        tail,
      });
    })().catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    active: () => pacer.size,
    close: () => new Promise<void>((resolve) => {
      pacer.stop();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

interface SyntheticRequest {
  model: string;
  tokens: number;
  tokensPerSecond: number;
  promptTokens: number;
  includeUsage: boolean;
}

/** The few fields the synthetic model reads; a message is refused here, as a real server would. */
function parseChatRequest(text: string): SyntheticRequest | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof body !== 'object' || body === null) return 'the body is not an object';
  const fields = body as Record<string, unknown>;
  const model = fields['model'];
  if (typeof model !== 'string') return 'model is required';
  const rate = /^tps-(\d+)$/.exec(model);
  const tokensPerSecond = rate?.[1] ? Number(rate[1]) : DEFAULT_SYNTHETIC_TOKENS_PER_SECOND;
  if (tokensPerSecond < 1 || tokensPerSecond > MAX_SYNTHETIC_TOKENS_PER_SECOND) return `the rate must be 1 to ${MAX_SYNTHETIC_TOKENS_PER_SECOND} tokens/s`;
  if (fields['stream'] !== true) return 'only streamed requests are served';
  const max = fields['max_tokens'] ?? fields['max_completion_tokens'] ?? DEFAULT_SYNTHETIC_ANSWER_TOKENS;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_SYNTHETIC_ANSWER_TOKENS) return `max_tokens must be 1 to ${MAX_SYNTHETIC_ANSWER_TOKENS}`;
  const options = fields['stream_options'];
  const includeUsage = typeof options === 'object' && options !== null && (options as Record<string, unknown>)['include_usage'] === true;
  // A rough prompt size (4 bytes a token): the bench reads only the completion count.
  return { model, tokens: max, tokensPerSecond, promptTokens: Math.ceil(text.length / 4), includeUsage };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
