import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

/** How long a peer closed for not reading gets to take the close frame before the socket is dropped. */
export const NOT_READING_CLOSE_GRACE_MS = 5_000;

export interface WsFrameWriterOptions {
  /** Buffered bytes above which `send` waits for the socket to drain. */
  highWaterMarkBytes: number;
  /** Buffered bytes above which the peer counts as not reading and is closed with 1008. */
  maxBufferedBytes: number;
}

/**
 * The one place a connection's JSON frames become bytes. `send` (stream events) resolves once
 * the socket buffer is back under the high-water mark, so a lane that awaits it stops pulling
 * engine events while its reader is slow: a slow client slows only its own connection. `sendNow`
 * (acks, errors) never waits; a peer that lets those pile up past `maxBufferedBytes` is closed.
 * After the socket closed both write nothing and resolve at once.
 */
export class WsFrameWriter {
  private readonly closed: Promise<void>;
  /** The socket corked for the current tick, if any. */
  private corked: Duplex | undefined;
  /** Frames handed to `ws`, and how many of them reached the OS (their write callbacks run in order). */
  private written = 0;
  private flushed = 0;
  /** Sends waiting for the frames up to `until` to reach the OS, in frame order (one per lane at most). */
  private readonly waiters: Array<{ until: number; resolve: () => void }> = [];
  /**
   * One callback for every frame, not a promise per frame: a token's frame then allocates nothing
   * here, and only a send over the high-water mark makes a promise to wait on.
   */
  private readonly onFlushed = (): void => {
    this.flushed += 1;
    while (this.waiters.length > 0 && (this.waiters[0]?.until ?? 0) <= this.flushed) this.waiters.shift()?.resolve();
  };

  constructor(private readonly ws: WebSocket, private readonly options: WsFrameWriterOptions) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Writes a frame (a stream event arrives already serialized, numbered by its `ActiveResponse`).
   * Returns a promise only when the caller must wait (the socket is over its high-water mark):
   * the token path awaits nothing, not even a resolved promise, while the reader keeps up.
   */
  send(frame: object | string): Promise<void> | undefined {
    if (!this.open) return undefined;
    const sent = this.write(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return this.ws.bufferedAmount > this.options.highWaterMarkBytes ? this.flushedThrough(sent) : undefined;
  }

  sendNow(frame: object): void {
    if (!this.open) return;
    // Judge the peer by what the kernel would not take, not by this tick's coalesced frames.
    this.flush();
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.ws.close(1008, 'client is not reading');
      // The close frame waits behind what the peer does not read: drop the socket if it stays stuck.
      setTimeout(() => this.ws.terminate(), NOT_READING_CLOSE_GRACE_MS).unref();
      return;
    }
    this.write(JSON.stringify(frame));
  }

  /** Hands a frame to `ws` and returns its number in this connection's frames. */
  private write(text: string): number {
    this.coalesce();
    this.ws.send(text, this.onFlushed);
    this.written += 1;
    return this.written;
  }

  /** Resolves once frame `until` was handed to the OS (every earlier frame with it), or the socket closed. */
  private flushedThrough(until: number): Promise<void> {
    // Frames are numbered as written, so a later waiter always waits for a later frame: the queue stays ordered.
    const reached = new Promise<void>((resolve) => this.waiters.push({ until, resolve }));
    return Promise.race([reached, this.closed]);
  }

  /**
   * Frames written within one tick leave in one syscall: a response's lifecycle events come in
   * bursts (created, in_progress, item and part added, first delta), and on loopback each write
   * costs more than building the frame. A lone token delta still leaves at the end of its tick.
   */
  private coalesce(): void {
    // `ws` does not expose its socket; cork/uncork only batches writes, so a missing one is harmless.
    const socket = (this.ws as unknown as { _socket?: Duplex })._socket;
    if (this.corked || !socket) return;
    this.corked = socket;
    socket.cork();
    process.nextTick(() => this.flush(socket));
  }

  /** Hands the coalesced frames to the OS now (once per cork: a stale tick callback is a no-op). */
  private flush(socket = this.corked): void {
    if (!socket || this.corked !== socket) return;
    this.corked = undefined;
    socket.uncork();
  }
}
