import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { AgentHost } from './agent-host.js';
import { checkHostUpgrade, type UpgradeContext } from './check-host-upgrade.js';
import { HostConnection } from './host-connection.js';
import { DEFAULT_HOST_MAX_FRAME_BYTES, DEFAULT_HOST_PING_INTERVAL_MS, DEFAULT_MAX_CLIENT_BUFFERED_BYTES } from './host-limits.js';
import { HOST_PATH } from './wire/host-paths.js';

/** How long a closing socket may take to answer the close frame before it is dropped. */
const CLOSE_HANDSHAKE_GRACE_MS = 2_000;

export interface HostExtensionOptions {
  host: AgentHost;
  /** The app's per-start secret: a client sends it as the cookie, a bearer header or `?token=`. */
  token: string;
  /** See `DEFAULT_HOST_MAX_FRAME_BYTES`. */
  maxFrameBytes?: number;
  /** See `DEFAULT_MAX_CLIENT_BUFFERED_BYTES`. */
  maxBufferedBytes?: number;
  /** See `DEFAULT_HOST_PING_INTERVAL_MS`. */
  pingIntervalMs?: number;
  /** Close the host with the server (default true). */
  closeHost?: boolean;
}

/**
 * The host as `spark serve` mounts it (structurally a `ServerExtension` of @spark/server, which
 * the host does not import): takes WebSocket upgrades on `HOST_PATH`. The server has applied its
 * Host and Origin rules; this checks the stricter same-Origin rule and the token, then speaks
 * the host protocol, one `HostConnection` per socket.
 */
export interface HostExtension {
  readonly name: string;
  readonly upgradePaths: readonly string[];
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, context: UpgradeContext): void;
  close(graceMs: number): Promise<void>;
}

/** The agent host's WebSocket endpoint: `server.mount(createHostExtension({ host, token }))`. */
export function createHostExtension(options: HostExtensionOptions): HostExtension {
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_CLIENT_BUFFERED_BYTES;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? DEFAULT_HOST_MAX_FRAME_BYTES, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();
  let closing = false;

  // One timer for every client: a socket that did not answer the last ping is dropped.
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) { ws.terminate(); continue; }
      alive.set(ws, false);
      ws.ping();
    }
  }, options.pingIntervalMs ?? DEFAULT_HOST_PING_INTERVAL_MS);
  heartbeat.unref();

  function serve(ws: WebSocket): void {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const connection = new HostConnection(options.host, {
      send: (message) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(JSON.stringify(message));
        // A client that stops reading must not hold the host's memory: it reconnects and re-attaches.
        if (ws.bufferedAmount > maxBuffered) closeSocket(ws, 1008, 'client too slow');
      },
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        connection.receive('');
        return;
      }
      connection.receive(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
    });
    ws.on('close', () => connection.close());
    ws.on('error', () => connection.close());
  }

  return {
    name: 'agent-host',
    upgradePaths: [HOST_PATH],
    handleUpgrade(req, socket, head, context) {
      if (closing) { socket.destroy(); return; }
      const refusal = checkHostUpgrade(req.headers, context, options.token);
      if (refusal !== undefined) { context.refuse(refusal); return; }
      wss.handleUpgrade(req, socket, head, serve);
    },
    async close(graceMs) {
      closing = true;
      clearInterval(heartbeat);
      for (const ws of wss.clients) closeSocket(ws, 1001, 'server closing');
      await new Promise<void>((resolve) => { wss.close(() => resolve()); });
      if (options.closeHost !== false) await options.host.close(graceMs);
    },
  };
}

function closeSocket(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason);
  setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_GRACE_MS).unref();
}
