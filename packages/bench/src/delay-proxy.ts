import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A network path on loopback: a TCP proxy that holds every chunk for `oneWayDelayMs` in each
 * direction, in order, so a TCP handshake, a TLS handshake and each request/response cost real
 * round trips (RTT = 2 x one-way).
 *
 * What it models: a path with that latency and no loss, no bandwidth limit and no jitter. A
 * client's connect completes at once against the proxy (its SYN never leaves the machine), so
 * the proxy charges the handshake instead: bytes the client sends before one RTT has passed
 * since it connected are held until then, as a real client could not have sent them earlier,
 * and then cross the path like any other (a new connection's first request arrives 1.5 RTT after
 * connect, as over a real network). The upstream connect starts then too.
 */
export interface DelayProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  oneWayDelayMs: number;
  close(): Promise<void>;
}

/** When a chunk the client sent at `sentAt` reaches the server, on a connection accepted at `acceptedAt`. */
export function upstreamDeliveryAt(sentAt: number, acceptedAt: number, oneWayDelayMs: number): number {
  return Math.max(sentAt, acceptedAt + 2 * oneWayDelayMs) + oneWayDelayMs;
}

/** When a chunk the server sent at `sentAt` reaches the client. */
export function downstreamDeliveryAt(sentAt: number, oneWayDelayMs: number): number {
  return sentAt + oneWayDelayMs;
}

/** Starts a proxy on 127.0.0.1 (ephemeral port) in front of `127.0.0.1:upstreamPort`. */
export async function startDelayProxy(upstreamPort: number, oneWayDelayMs: number): Promise<DelayProxy> {
  if (!(oneWayDelayMs >= 0) || !Number.isFinite(oneWayDelayMs)) throw new Error(`one-way delay must be a finite number of ms >= 0, got ${String(oneWayDelayMs)}`);
  const open = new Set<Socket>();
  // Half-open on both sides: a FIN crosses the path like a byte, after the delay, and the other direction goes on.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const acceptedAt = performance.now();
    client.setNoDelay(true);
    open.add(client);
    const upstream = connectLater(upstreamPort, acceptedAt + 2 * oneWayDelayMs);
    open.add(upstream.socket);
    const toServer = new DelayLine(upstream.write, (sentAt) => upstreamDeliveryAt(sentAt, acceptedAt, oneWayDelayMs));
    const toClient = new DelayLine((chunk) => { writeOrEnd(client, chunk); }, (sentAt) => downstreamDeliveryAt(sentAt, oneWayDelayMs));
    client.on('data', (chunk: Buffer) => toServer.push(chunk));
    client.on('end', () => toServer.push(null));
    upstream.socket.on('data', (chunk: Buffer) => toClient.push(chunk));
    upstream.socket.on('end', () => toClient.push(null));
    const teardown = (): void => {
      toServer.cancel();
      toClient.cancel();
      client.destroy();
      upstream.socket.destroy();
      open.delete(client);
      open.delete(upstream.socket);
    };
    client.on('error', teardown);
    upstream.socket.on('error', teardown);
    // A side that closed may still have bytes on their way to the other: tear down once they arrived.
    client.on('close', () => { toServer.whenIdle(teardown); });
    upstream.socket.on('close', () => { toClient.whenIdle(teardown); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    oneWayDelayMs,
    close: () => new Promise((resolve) => {
      for (const socket of open) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A socket to the upstream that starts connecting at `at` (performance.now() time); writes before then are queued. */
function connectLater(port: number, at: number): { socket: Socket; write: (chunk: Buffer | null) => void } {
  const queued: Array<Buffer | null> = [];
  let connected = false;
  const socket = connect({ port, host: '127.0.0.1', noDelay: true, allowHalfOpen: true });
  // The upstream sees the connection at once (a loopback connect is ~0.1 ms) but no byte of it before
  // the modelled handshake is over.
  socket.once('connect', () => {
    const flush = (): void => {
      connected = true;
      for (const chunk of queued.splice(0)) writeOrEnd(socket, chunk);
    };
    const wait = at - performance.now();
    if (wait > 0) setTimeout(flush, wait); else flush();
  });
  return { socket, write: (chunk) => { if (connected) writeOrEnd(socket, chunk); else queued.push(chunk); } };
}

function writeOrEnd(socket: Socket, chunk: Buffer | null): void {
  if (socket.destroyed) return;
  if (chunk === null) socket.end(); else socket.write(chunk);
}

/** One direction of the path: chunks leave in arrival order, each at its delivery time; `null` is the FIN. */
class DelayLine {
  private readonly queue: Array<{ at: number; chunk: Buffer | null }> = [];
  private timer: NodeJS.Timeout | undefined;
  private onIdle: (() => void) | undefined;

  constructor(private readonly deliver: (chunk: Buffer | null) => void, private readonly deliveryAt: (sentAt: number) => number) {}

  /** Runs `callback` once every queued chunk is delivered (now, if none is). */
  whenIdle(callback: () => void): void {
    if (this.queue.length === 0) callback(); else this.onIdle = callback;
  }

  push(chunk: Buffer | null): void {
    this.queue.push({ at: this.deliveryAt(performance.now()), chunk });
    if (this.timer === undefined) this.arm();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private arm(): void {
    const head = this.queue[0];
    if (head === undefined) {
      this.timer = undefined;
      const idle = this.onIdle;
      this.onIdle = undefined;
      idle?.();
      return;
    }
    this.timer = setTimeout(() => {
      const now = performance.now();
      // Delivery times never decrease along a line, so the head is always the next due.
      while (this.queue[0] !== undefined && this.queue[0].at <= now) this.deliver(this.queue.shift()?.chunk ?? null);
      this.arm();
    }, Math.max(0, Math.ceil(head.at - performance.now())));
  }
}
