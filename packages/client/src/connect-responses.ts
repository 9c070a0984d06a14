import { ClientError } from './client-error.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options.js';
import { HttpResponsesConnection } from './http-connection.js';
import { listModels } from './list-models.js';
import type { ResponsesConnection } from './responses-connection.js';
import { WsResponsesConnection } from './ws-connection.js';

/**
 * Upgrade refusals that mean "this server speaks HTTP only": 426 is the spec's answer (§3.1);
 * the others come from servers and proxies that do not route the upgrade at all.
 */
export const HTTP_ONLY_UPGRADE_STATUSES: ReadonlySet<number> = new Set([400, 404, 405, 426, 501]);

/**
 * Opens a Responses connection. `websocket` opens the socket now, so a refused upgrade throws
 * here; `http` opens nothing; `auto` (the default) tries the WebSocket and falls back to HTTP
 * when the upgrade is refused as HTTP-only, or fails on the network while plain HTTP answers.
 * A 401 never falls back: the key is wrong on both transports.
 */
export async function connectResponses(options: ClientOptions, connectOptions: { signal?: AbortSignal } = {}): Promise<ResponsesConnection> {
  const resolved = resolveClientOptions(options);
  const { signal } = connectOptions;
  switch (resolved.transport) {
    case 'http': return new HttpResponsesConnection(resolved);
    case 'websocket': return WsResponsesConnection.connect(resolved, signal);
    case 'auto':
      try {
        return await WsResponsesConnection.connect(resolved, signal);
      } catch (error) {
        if (await httpOnly(error, resolved, signal)) return new HttpResponsesConnection(resolved);
        throw error;
      }
    default: {
      const unreachable: never = resolved.transport;
      throw new TypeError(`Unknown transport ${String(unreachable)}.`);
    }
  }
}

async function httpOnly(error: unknown, options: ResolvedClientOptions, signal: AbortSignal | undefined): Promise<boolean> {
  if (!ClientError.is(error)) return false;
  if (error.status !== undefined) return HTTP_ONLY_UPGRADE_STATUSES.has(error.status);
  if (error.code !== 'connect_failed') return false;
  try {
    await listModels(options, signal);
    return true;
  } catch (probe) {
    // Any HTTP answer, even an error, shows the server is there and speaks HTTP.
    return ClientError.is(probe) && probe.status !== undefined;
  }
}
