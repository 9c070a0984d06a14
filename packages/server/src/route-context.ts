import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCompletionsService } from './chat/chat-completions-service.js';
import type { EngineResolver } from './engine-resolver.js';
import type { Metrics } from './metrics.js';
import type { ResponseStore } from './response-store.js';
import type { ResponsesService } from './responses-service.js';
import type { Logger, ServerLimits } from './server-options.js';

/** What a route handler gets for one request. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  url: URL;
  requestId: string;
}

/** Handles one request; a thrown `ApiError` (or anything else) is mapped once by the dispatcher. */
export type RouteHandler = (ctx: RouteContext) => Promise<void>;

/** Everything routes share, built once by `startServer`. */
export interface ServerDeps {
  service: ResponsesService;
  /** `POST /v1/chat/completions`, on the same admission and engines. */
  chat: ChatCompletionsService;
  store: ResponseStore;
  resolver: EngineResolver;
  metrics: Metrics;
  limits: ServerLimits;
  logger: Logger;
}
