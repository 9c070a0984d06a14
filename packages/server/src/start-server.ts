import { createServer, type RequestListener } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Engine } from '@spark/engine';
import { Admission } from './admission/admission.js';
import { createBearerCheck, isLoopbackHost } from './auth.js';
import { ChatCompletionsService } from './chat/chat-completions-service.js';
import { chatCompletionsRoute } from './chat/chat-completions-route.js';
import { resolveBrowserRules } from './browser-rules.js';
import { handleClientError } from './client-error.js';
import { createEngineResolver } from './engine-resolver.js';
import { createRequestHandler } from './handle-request.js';
import { Metrics } from './metrics.js';
import type { RouteHandler, ServerDeps } from './route-context.js';
import { Router } from './router.js';
import { ResponsesService } from './responses-service.js';
import { createResponseRoute } from './routes/create-response-route.js';
import { healthRoute } from './routes/health-route.js';
import { inputItemsRoute } from './routes/input-items-route.js';
import { metricsRoute } from './routes/metrics-route.js';
import { listModelsRoute, retrieveModelRoute } from './routes/models-route.js';
import { websocketUpgradeRoute } from './routes/websocket-upgrade-route.js';
import { cancelResponseRoute, deleteResponseRoute, retrieveResponseRoute } from './routes/response-by-id-routes.js';
import type { ServerExtension } from './server-extension.js';
import { DEFAULT_HOST, DEFAULT_PORT, defaultLogger, resolveLimits, type RunningServer, type ServerOptions } from './server-options.js';
import { defaultDbPath, SqliteResponseStore } from './sqlite-response-store.js';
import { resolveWebSocketSettings } from './websocket/ws-limits.js';
import { attachWebSocketTransport } from './websocket/ws-upgrade.js';

/**
 * Starts `spark serve`'s HTTP server (HTTPS with `tls`): the Responses API (JSON, SSE and WebSocket mode), Chat
 * Completions, models, health and metrics. Refuses a non-loopback `host` without API keys. Resolves once listening.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Invalid port ${String(port)}: expected an integer from 0 to 65535.`);
  const apiKeys = (options.apiKeys ?? []).filter((key) => key.length > 0);
  if (!isLoopbackHost(host) && apiKeys.length === 0) {
    throw new Error(`Refusing to listen on ${host} without an API key: anyone who can reach it could use the models. Pass an API key (--api-key or SPARK_API_KEY), or bind 127.0.0.1.`);
  }
  const limits = resolveLimits(options.limits);
  const websocket = resolveWebSocketSettings(options.websocket);
  const browser = resolveBrowserRules({ host, allowedHosts: options.allowedHosts, corsOrigins: options.corsOrigins, websocketOrigins: websocket.allowedOrigins });
  const logger = options.logger ?? defaultLogger;
  const store = new SqliteResponseStore(options.dbPath ?? defaultDbPath());
  const resolver = createEngineResolver(([] as Engine[]).concat(options.engine));
  const metrics = new Metrics();
  const admission = new Admission({
    maxConcurrentRequests: limits.maxConcurrentRequests,
    queueDepth: limits.admissionQueueDepth,
    maxWaitMs: limits.admissionMaxWaitMs,
    minRetryAfterSeconds: limits.retryAfterSeconds,
    observer: { waited: (seconds) => metrics.observeQueueWait(seconds), refused: (reason) => metrics.countAdmissionRefused(reason) },
  });
  const service = new ResponsesService({
    resolver, store, metrics, logger, admission,
    defaultTemperature: options.defaultTemperature ?? 0,
    retryAfterSeconds: limits.retryAfterSeconds,
  });
  const chat = new ChatCompletionsService({
    resolver, metrics, logger, admission,
    defaultTemperature: options.defaultTemperature ?? 0,
    retryAfterSeconds: limits.retryAfterSeconds,
  });
  const deps: ServerDeps = { service, chat, store, resolver, metrics, limits, logger };
  const router = new Router<RouteHandler>()
    .add('POST', '/v1/responses', createResponseRoute(deps))
    .add('GET', '/v1/responses', websocketUpgradeRoute())
    .add('GET', '/v1/responses/:id', retrieveResponseRoute(deps))
    .add('DELETE', '/v1/responses/:id', deleteResponseRoute(deps))
    .add('POST', '/v1/responses/:id/cancel', cancelResponseRoute(deps))
    .add('GET', '/v1/responses/:id/input_items', inputItemsRoute(deps))
    .add('POST', '/v1/chat/completions', chatCompletionsRoute(deps))
    .add('GET', '/v1/models', listModelsRoute(deps))
    .add('GET', '/v1/models/:id', retrieveModelRoute(deps))
    .add('GET', '/healthz', healthRoute())
    .add('GET', '/metrics', metricsRoute(deps));

  const extensions: ServerExtension[] = [];
  const listExtensions = (): readonly ServerExtension[] => extensions;
  const pending = new Set<Promise<void>>();
  const checkAuth = apiKeys.length > 0 ? createBearerCheck(apiKeys) : undefined;
  const handler: RequestListener = createRequestHandler({
    router, metrics, logger, pending, checkAuth, browser, extensions: listExtensions,
    retryAfterSeconds: limits.retryAfterSeconds,
    maxDrainBytes: limits.maxDrainBytes,
  });
  // Node's own TLS: HTTPS and wss on the one port, every check below unchanged (they read the decrypted request).
  const server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
  server.on('clientError', handleClientError);
  const sockets = attachWebSocketTransport(server, {
    service, metrics, logger, settings: websocket, checkAuth, browser, retryAfterSeconds: limits.retryAfterSeconds, extensions: listExtensions,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  server.on('error', (error) => logger.error(`http server: ${error.message}`));
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || host.includes(':') ? `[${address.address}]` : host;
  const url = `${options.tls ? 'https' : 'http'}://${urlHost}:${address.port}`;
  logger.info(`spark server listening on ${url}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + limits.shutdownGraceMs;
      // Extensions (the agent host) end their turns first, while the engines can still answer them.
      await Promise.allSettled(extensions.map(async (extension) => { await extension.close?.(limits.shutdownGraceMs); }));
      chat.shutdown();
      await service.shutdown(limits.shutdownGraceMs);
      // Let handlers and WebSocket lanes write the interrupted responses they now hold, within the same grace period.
      await Promise.all([settleWithin([...pending], deadline - Date.now()), sockets.close(deadline - Date.now())]);
      server.closeAllConnections();
      await stopped;
      await store.close();
    })();
    return closing;
  };
  const mount = (extension: ServerExtension): void => {
    if (closing !== undefined) throw new Error(`Cannot mount ${extension.name}: the server is closing.`);
    extensions.push(extension);
  };
  return { url, host: address.address, port: address.port, close, mount };
}

async function settleWithin(promises: ReadonlyArray<Promise<void>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, ms)); timer.unref(); }),
  ]);
  clearTimeout(timer);
}
