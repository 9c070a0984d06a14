import type { ResponseObject } from '@spark/protocol';
import type { StreamingPatchCheck } from '../apply-patch/streaming-patch-check.js';
import type { ResponseStats } from './agent-events.js';

/**
 * Shortest streaming time (first delta to last) a tokens-per-second figure is computed over.
 * A reply that arrives in one burst (a scripted engine, a cached or short reply, a few tokens in
 * one network read) spans a fraction of a millisecond and would rate tens of thousands of
 * tokens/s; under this window `tokens_per_second` is null and every surface (TUI, web app, VS
 * Code status bar) shows no speed rather than a false one.
 */
export const MIN_RATE_WINDOW_MS = 50;

/** What one streamed response has shown so far, for partial output and timing. */
export class ResponseAccumulator {
  responseId: string | undefined;
  text = '';
  readonly callIds = new Map<string, string>();
  /** Each call's tool name, by output item id. */
  readonly callNames = new Map<string, string>();
  /** apply_patch calls checked while they stream, by output item id. */
  readonly patchChecks = new Map<string, StreamingPatchCheck>();
  private firstDeltaAt: number | undefined;
  private lastDeltaAt: number | undefined;

  /** `now` is the clock of TTFT and tokens/s (milliseconds, `performance.now()` unless a test gives its own). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  start(id: string): void {
    this.responseId = id;
  }

  delta(text: string): void {
    this.markOutput();
    this.text += text;
  }

  /** Output arrived (text or tool input): the clock for TTFT and tokens/s. */
  markOutput(): void {
    const now = this.now();
    this.firstDeltaAt ??= now;
    this.lastDeltaAt = now;
  }

  /** A steered response hands over to its successor. */
  reset(): void {
    this.responseId = undefined;
    this.text = '';
    this.firstDeltaAt = undefined;
    this.lastDeltaAt = undefined;
  }

  stats(response: ResponseObject, request: { sentAt: number; sentItems: number }, transport: 'websocket' | 'http'): ResponseStats {
    const usage = response.usage;
    const output = usage?.output_tokens ?? 0;
    const streamMs = this.firstDeltaAt !== undefined && this.lastDeltaAt !== undefined ? this.lastDeltaAt - this.firstDeltaAt : 0;
    return {
      response_id: response.id,
      input_tokens: usage?.input_tokens ?? 0,
      cached_input_tokens: usage?.input_tokens_details.cached_tokens ?? 0,
      output_tokens: output,
      ttft_ms: this.firstDeltaAt === undefined ? null : Math.round(this.firstDeltaAt - request.sentAt),
      tokens_per_second: output > 1 && streamMs >= MIN_RATE_WINDOW_MS ? Math.round(((output - 1) / streamMs) * 1000 * 10) / 10 : null,
      transport,
      input_items_sent: request.sentItems,
    };
  }
}
