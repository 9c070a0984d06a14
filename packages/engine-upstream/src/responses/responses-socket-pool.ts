import type { ResponsesConnection } from '@spark/client';
import type { SocketRef } from './responses-state.js';

/** One pooled upstream WebSocket connection. */
export interface PooledSocket {
  readonly id: number;
  readonly connection: ResponsesConnection;
  busy: boolean;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The downstream session it is bound to; undefined: shared by sessionless generations. */
  session: string | undefined;
  /** Its session ended while it was busy: closed when it comes back. */
  retired: boolean;
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
  /** Idle shared sockets kept; a session's own socket is not counted (it waits for its session). */
  maxIdleSockets: number;
  /** An idle socket, shared or a session's, is closed after this long. */
  socketIdleMs: number;
}

/**
 * Upstream WebSockets, one per generation running at once. An upstream (OpenAI, Spark) keeps a
 * WebSocket's responses in that connection's memory, so a chain continues on the socket its
 * previous response lives on when that socket is free; otherwise the caller resends the history
 * on another.
 *
 * A generation that names a downstream session (`GenerateRequest.session`: a Spark WebSocket
 * connection and lane) gets that session's own socket, bound on first use and lent to nobody
 * else, so its chain stays `previous_response_id` + new items end to end however many other
 * chains run at once. The socket is closed when the session ends (`endSession`) or after
 * `socketIdleMs` idle. Sessionless generations (HTTP, direct use) share the unbound sockets:
 * idle ones are reused newest first, capped, and closed after `socketIdleMs`.
 */
export class ResponsesSocketPool {
  private readonly sockets = new Map<number, PooledSocket>();
  private readonly bySession = new Map<string, PooledSocket>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: SocketPoolOptions) {}

  async acquire(prefer: SocketRef | undefined, signal: AbortSignal, session?: string): Promise<SocketLease> {
    if (this.closed) throw new Error('The upstream socket pool is closed.');
    const owned = session === undefined ? undefined : this.bySession.get(session);
    if (owned && !owned.busy) return this.lease(owned, matches(owned, prefer));
    // A session whose socket is busy (a fork racing its own lane) borrows a shared one for this generation.
    const bind = owned ? undefined : session;
    const preferred = prefer === undefined ? undefined : this.sockets.get(prefer.id);
    if (preferred && !preferred.busy && preferred.session === undefined && matches(preferred, prefer)) return this.lease(preferred, true, bind);
    const idle = [...this.sockets.values()].filter((socket) => !socket.busy && socket.session === undefined).at(-1);
    if (idle) return this.lease(idle, false, bind);
    const connection = await this.options.open(signal);
    if (this.closed) {
      await connection.close();
      throw new Error('The upstream socket pool is closed.');
    }
    const socket: PooledSocket = { id: this.nextId++, connection, busy: false, idleTimer: undefined, session: undefined, retired: false };
    this.sockets.set(socket.id, socket);
    return this.lease(socket, false, bind);
  }

  /** Returns a socket; one that failed, or whose session ended, is closed rather than handed on. */
  release(socket: PooledSocket, healthy: boolean): void {
    socket.busy = false;
    if (!healthy || this.closed || socket.retired || (socket.session === undefined && this.idleShared() > this.options.maxIdleSockets)) {
      void this.drop(socket);
      return;
    }
    // Re-inserted last: the newest idle socket is reused first, so the rest age out.
    this.sockets.delete(socket.id);
    this.sockets.set(socket.id, socket);
    socket.idleTimer = setTimeout(() => { void this.drop(socket); }, this.options.socketIdleMs);
    socket.idleTimer.unref?.();
  }

  /** The session ended (its downstream connection closed): its socket closes now, or when its generation ends. */
  endSession(session: string): void {
    const socket = this.bySession.get(session);
    if (!socket) return;
    this.bySession.delete(session);
    socket.retired = true;
    if (!socket.busy) void this.drop(socket);
  }

  /** Open upstream sockets, busy or idle. */
  get size(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sockets.values()].map((socket) => this.drop(socket)));
  }

  private lease(socket: PooledSocket, affine: boolean, bind?: string): SocketLease {
    clearTimeout(socket.idleTimer);
    socket.idleTimer = undefined;
    socket.busy = true;
    if (bind !== undefined) {
      socket.session = bind;
      this.bySession.set(bind, socket);
    }
    return { socket, affine, ref: () => ({ id: socket.id, epoch: socket.connection.connectionEpoch }) };
  }

  private idleShared(): number {
    let count = 0;
    for (const socket of this.sockets.values()) if (!socket.busy && socket.session === undefined) count += 1;
    return count;
  }

  private async drop(socket: PooledSocket): Promise<void> {
    clearTimeout(socket.idleTimer);
    this.sockets.delete(socket.id);
    if (socket.session !== undefined && this.bySession.get(socket.session) === socket) this.bySession.delete(socket.session);
    await socket.connection.close().catch(() => undefined);
  }
}

/** True when `prefer` names this socket in its current connection (a reconnect forgets the upstream's responses). */
function matches(socket: PooledSocket, prefer: SocketRef | undefined): boolean {
  return prefer !== undefined && prefer.id === socket.id && socket.connection.connectionEpoch === prefer.epoch;
}
