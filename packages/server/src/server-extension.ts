import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiError } from '@spark/protocol';

/** What the server tells an extension about one request or upgrade. */
export interface ExtensionRequestContext {
  url: URL;
  requestId: string;
  /**
   * True when `authorization` holds one of the server's API keys, or when the server has none.
   * An extension with its own credential (the app's token) accepts either.
   */
  hasApiKey(authorization: string | undefined): boolean;
  /** True when the server was started with API keys (it is reachable beyond loopback). */
  readonly apiKeysRequired: boolean;
}

/** What an extension gets with an upgrade: the request context, and the server's own way to refuse it. */
export interface ExtensionUpgradeContext extends ExtensionRequestContext {
  /** Answers the upgrade with `error` as an HTTP error in the API's shape on the raw socket (and counts it), then closes it. */
  refuse(error: ApiError): void;
}

/**
 * Something mounted on `spark serve` beside the Responses API: the agent host's WebSocket and the
 * browser app's pages (issue 15). The server applies its Host and Origin rules first (DNS
 * rebinding, foreign pages) and counts the requests; the extension authenticates its own paths,
 * since a browser cannot send an `Authorization` header on a WebSocket.
 */
export interface ServerExtension {
  /** Short name for logs and the metrics' route label. */
  readonly name: string;
  /** Exact paths whose WebSocket upgrades this extension takes. */
  readonly upgradePaths?: readonly string[];
  /** Takes an upgrade on one of `upgradePaths`: answers it (101 or an HTTP error) on `socket`. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, context: ExtensionUpgradeContext): void;
  /**
   * A request outside `/v1` that no API route matched (pages, assets): answers it and resolves
   * true, or resolves false to let the server answer 404.
   */
  handleRequest?(req: IncomingMessage, res: ServerResponse, context: ExtensionRequestContext): Promise<boolean>;
  /** Stops its work when the server closes, before the engines and sockets go. */
  close?(graceMs: number): Promise<void>;
}
