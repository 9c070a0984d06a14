import type { ResponsesConnection } from '@spark/client';
import type { SocketRef } from './responses-state.js';

/** One pooled upstream WebSocket connection. */
export interface PooledSocket {
  readonly id: number;
  readonly connection: ResponsesConnection;
  busy: boolean;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

/** A checked-out socket; `affine` when it is the one the caller's previous response lives on. */
export interface SocketLease {
  readonly socket: PooledSocket;
  readonly affine: boolean;
  /** The socket as a continuation state names it. */
  ref(): SocketRef;
}

export interface SocketPoolOptions {
  /** Opens a new upstream WebSocket connection (throws the client's error when the upgrade is refused). */
  open(signal: AbortSignal): Promise<ResponsesConnection>;
  maxIdleSockets: number;
  socketIdleMs: number;
}

/**
 * Upstream WebSockets, one per generation running at once. An upstream (OpenAI, Spark) keeps a
 * WebSocket's responses in that connection's memory, so a chain continues on the socket its
 * previous response lives on when that socket is free; otherwise the caller resends the history
 * on another. Idle sockets are reused newest first, capped, and closed after `socketIdleMs`.
 * The pool knows nothing of Spark's downstream connections (the engine contract has none).
 */
export class ResponsesSocketPool {
  private readonly sockets = new Map<number, PooledSocket>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: SocketPoolOptions) {}

  async acquire(prefer: SocketRef | undefined, signal: AbortSignal): Promise<SocketLease> {
    if (this.closed) throw new Error('The upstream socket pool is closed.');
    const preferred = prefer === undefined ? undefined : this.sockets.get(prefer.id);
    if (preferred && !preferred.busy && preferred.connection.connectionEpoch === prefer?.epoch) return this.lease(preferred, true);
    const idle = [...this.sockets.values()].filter((socket) => !socket.busy).at(-1);
    if (idle) return this.lease(idle, false);
    const connection = await this.options.open(signal);
    if (this.closed) {
      await connection.close();
      throw new Error('The upstream socket pool is closed.');
    }
    const socket: PooledSocket = { id: this.nextId++, connection, busy: false, idleTimer: undefined };
    this.sockets.set(socket.id, socket);
    return this.lease(socket, false);
  }

  /** Returns a socket; one that failed is closed rather than handed to the next generation. */
  release(socket: PooledSocket, healthy: boolean): void {
    socket.busy = false;
    if (!healthy || this.closed || this.idleCount() > this.options.maxIdleSockets) {
      void this.drop(socket);
      return;
    }
    // Re-inserted last: the newest idle socket is reused first, so the rest age out.
    this.sockets.delete(socket.id);
    this.sockets.set(socket.id, socket);
    socket.idleTimer = setTimeout(() => { void this.drop(socket); }, this.options.socketIdleMs);
    socket.idleTimer.unref?.();
  }

  get size(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sockets.values()].map((socket) => this.drop(socket)));
  }

  private lease(socket: PooledSocket, affine: boolean): SocketLease {
    clearTimeout(socket.idleTimer);
    socket.idleTimer = undefined;
    socket.busy = true;
    return { socket, affine, ref: () => ({ id: socket.id, epoch: socket.connection.connectionEpoch }) };
  }

  private idleCount(): number {
    let count = 0;
    for (const socket of this.sockets.values()) if (!socket.busy) count += 1;
    return count;
  }

  private async drop(socket: PooledSocket): Promise<void> {
    clearTimeout(socket.idleTimer);
    this.sockets.delete(socket.id);
    await socket.connection.close().catch(() => undefined);
  }
}
