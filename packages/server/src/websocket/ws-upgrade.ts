import type { IncomingMessage, Server } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ApiError, apiErrors } from '@spark/protocol';
import { checkHost, checkOrigin, type BrowserRules } from '../browser-rules.js';
import type { Metrics } from '../metrics.js';
import { newId } from '../new-id.js';
import type { ResponsesService } from '../responses-service.js';
import type { ServerExtension } from '../server-extension.js';
import type { Logger } from '../server-options.js';
import { writeRawHttpError } from '../write-raw-http-error.js';
import { WsConnection } from './ws-connection.js';
import type { WebSocketSettings } from './ws-limits.js';

/** The WebSocket endpoint (spec §3.1): same path as `POST /v1/responses`. */
export const WEBSOCKET_PATH = '/v1/responses';

export interface WebSocketTransportDeps {
  service: ResponsesService;
  metrics: Metrics;
  logger: Logger;
  settings: WebSocketSettings;
  /** Undefined when no API keys are configured. */
  checkAuth: ((authorization: string | undefined) => boolean) | undefined;
  retryAfterSeconds: number;
  /** The Host and Origin rules, as over HTTP (the WebSocket `allowedOrigins` are part of them). */
  browser: BrowserRules;
  /** Mounted extensions: an upgrade on one of their paths is theirs, after the Host and Origin checks. */
  extensions: () => readonly ServerExtension[];
}

/** The WebSocket mode attached to an HTTP server. */
export interface WebSocketTransport {
  /** Connections currently open. */
  readonly openConnections: number;
  /**
   * Refuses new upgrades, lets every connection's running responses end (the service
   * interrupts them), closes the sockets with 1001, and drops those still open after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Handles the HTTP server's `upgrade` event (`ws` in noServer mode). Before the 101 it answers,
 * with the HTTP error body: 401 for a bad Bearer key (as over HTTP), 404 for other paths, 426
 * when the WebSocket mode is disabled (clients such as Codex then fall back to HTTP), 403 for a
 * `Host` or browser `Origin` that is not allowed (checked first, as over HTTP). `OpenAI-Beta` headers are accepted and ignored; no
 * subprotocol is required; permessage-deflate is declined. Oversized frames close with 1009.
 */
export function attachWebSocketTransport(server: Server | TlsServer, deps: WebSocketTransportDeps): WebSocketTransport {
  const { settings } = deps;
  // `autoPong` is off: `ws` would terminate a connection (no close frame) once 60 of its pongs are
  // unflushed, which one TCP segment of pings achieves. WsConnection answers pings itself, one
  // pong per burst, and closes a flood with 1008 under a documented limit.
  const wss = new WebSocketServer({
    noServer: true, maxPayload: settings.limits.maxPayloadBytes, perMessageDeflate: false, clientTracking: false, autoPong: false,
  });
  const connections = new Set<WsConnection>();
  let closing = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A peer that resets before or during the handshake must not crash the server.
    socket.on('error', () => undefined);
    const requestId = newId('req');
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const extension = deps.extensions().find((candidate) => candidate.upgradePaths?.includes(pathname) === true && candidate.handleUpgrade !== undefined);
    const route = pathname === WEBSOCKET_PATH || extension !== undefined ? pathname : 'unmatched';
    const refuse = (error: ApiError): void => {
      deps.metrics.countRequest(req.method ?? 'GET', route, error.status);
      writeRawHttpError(socket, error, { 'x-request-id': requestId });
    };
    if (closing) { refuse(new ApiError(503, 'server_error', 'server_shutting_down', 'The server is shutting down.')); return; }
    const refused = checkHost(deps.browser, req.headers.host) ?? checkOrigin(deps.browser, req.headers);
    if (refused) { refuse(refused); return; }
    if (extension !== undefined) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      extension.handleUpgrade?.(req, socket, head, {
        url, requestId, apiKeysRequired: deps.checkAuth !== undefined, hasApiKey: (value) => deps.checkAuth?.(value) ?? true, refuse,
      });
      return;
    }
    if (deps.checkAuth && (pathname === '/v1' || pathname.startsWith('/v1/')) && !deps.checkAuth(req.headers.authorization)) {
      refuse(apiErrors.invalidApiKey());
      return;
    }
    if (pathname !== WEBSOCKET_PATH) { refuse(apiErrors.notFound(pathname)); return; }
    if (req.method !== 'GET') { refuse(apiErrors.methodNotAllowed(req.method ?? '')); return; }
    if (!settings.enabled) {
      refuse(new ApiError(426, 'invalid_request_error', 'websocket_not_supported', 'The WebSocket mode is disabled on this server; use HTTP POST /v1/responses.'));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      deps.metrics.countRequest('GET', WEBSOCKET_PATH, 101);
      deps.metrics.websocketOpened();
      const connection = new WsConnection(ws, {
        service: deps.service, limits: settings.limits, logger: deps.logger, retryAfterSeconds: deps.retryAfterSeconds,
      });
      connections.add(connection);
      void connection.closed.then(() => {
        connections.delete(connection);
        deps.metrics.websocketClosed();
      });
    });
  };
  server.on('upgrade', onUpgrade);

  return {
    get openConnections() { return connections.size; },
    close: async (graceMs) => {
      closing = true;
      server.off('upgrade', onUpgrade);
      const open = [...connections];
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(open.map((connection) => connection.shutdown())),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, graceMs)); timer.unref(); }),
      ]);
      clearTimeout(timer);
      for (const connection of connections) connection.terminate();
      await Promise.allSettled(open.map((connection) => connection.closed));
      wss.close();
    },
  };
}
