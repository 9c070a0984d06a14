import type { ServerResponse } from 'node:http';
import { serializeStreamEvent } from './serialize-stream-event.js';
import type { StreamEventBody } from './stream-response.js';

/** The keep-alive comment written while a stream has nothing else to say. */
export const SSE_PING = ': ping\n\n';

/**
 * Frames one SSE event. This is the only place `event:`/`data:` bytes are produced; a field
 * holding CR or LF would split the frame, so it is refused rather than written.
 */
export function formatSseEvent(event: string, data: string): string {
  if (/[\r\n]/.test(event)) throw new Error('SSE event names may not contain CR or LF.');
  if (/[\r\n]/.test(data)) throw new Error('SSE data must be a single line.');
  return `event: ${event}\ndata: ${data}\n\n`;
}

export interface SseWriterOptions {
  /** Interval of `: ping` comments while no event was written. */
  keepAliveMs: number;
  /** Extra response headers (x-request-id). */
  headers?: Record<string, string>;
}

/**
 * Writes one response's stream events to its HTTP response, numbering them from 0 as it
 * serializes them (the only place an SSE event gets its `sequence_number`). `send` returns a
 * promise to wait on when the socket buffer is full (it resolves at 'drain'), so a slow client
 * slows only its own stream; after the peer is gone it writes nothing and returns nothing.
 */
export class SseWriter {
  private wroteSinceTick = false;
  private readonly timer: NodeJS.Timeout;
  private ended = false;
  private peerGone = false;
  /** The next event's `sequence_number`. */
  private sequence = 0;
  /** The response is corked until the end of this tick. */
  private corked = false;

  constructor(private readonly res: ServerResponse, options: SseWriterOptions) {
    this.timer = setInterval(() => this.tick(), options.keepAliveMs);
    this.timer.unref();
    if (res.destroyed) {
      this.peerGone = true;
      clearInterval(this.timer);
      return;
    }
    res.writeHead(200, {
      ...options.headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.once('close', () => { this.peerGone = true; clearInterval(this.timer); });
  }

  /** True once the peer went away or `end()` was called. */
  get closed(): boolean {
    return this.ended || this.peerGone || this.res.destroyed || this.res.writableEnded;
  }

  /**
   * Returns a promise only when the caller must wait (the socket buffer is full): the token path
   * then awaits nothing, not even a resolved promise, while the reader keeps up.
   */
  send(event: StreamEventBody): Promise<void> | undefined {
    return this.write(formatSseEvent(event.type, serializeStreamEvent(event, this.sequence++)));
  }

  /**
   * Writes one `data:`-only frame (Chat Completions chunks and its `[DONE]`), with the same
   * backpressure and keep-alive as `send`. `data` must be a single line.
   */
  sendData(data: string): Promise<void> | undefined {
    if (/[\r\n]/.test(data)) throw new Error('SSE data must be a single line.');
    return this.write(`data: ${data}\n\n`);
  }

  /** Ends the stream after the terminal event; the Responses stream never sends `[DONE]`. */
  end(): void {
    clearInterval(this.timer);
    this.flush();
    if (this.closed) return;
    this.ended = true;
    this.res.end();
  }

  private tick(): void {
    if (this.closed) { clearInterval(this.timer); return; }
    // Skip the ping while the client is still reading earlier bytes or just got an event.
    if (!this.wroteSinceTick && this.res.writableNeedDrain === false) this.res.write(SSE_PING);
    this.wroteSinceTick = false;
  }

  private write(chunk: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.wroteSinceTick = true;
    this.coalesce();
    if (this.res.write(chunk)) return undefined;
    this.flush();
    return waitForDrain(this.res);
  }

  /**
   * Events written within one tick leave in one syscall, as on the WebSocket: a response's
   * lifecycle events come in bursts (created, in_progress, item and part added, first delta),
   * and a loaded server reads several tokens of one upstream stream at once; on loopback each
   * write costs more than building the event. A lone token still leaves at the end of its tick.
   */
  private coalesce(): void {
    if (this.corked) return;
    this.corked = true;
    this.res.cork();
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.res.uncork();
  };
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
