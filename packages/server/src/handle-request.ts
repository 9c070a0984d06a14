import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, apiErrors } from '@spark/protocol';
import { checkContentType, checkHost, checkOrigin, corsHeaders, isPreflight, preflightAnswer, type BrowserRules } from './browser-rules.js';
import { discardUnreadBody } from './discard-unread-body.js';
import type { Metrics } from './metrics.js';
import { newId } from './new-id.js';
import type { RouteHandler } from './route-context.js';
import type { Router } from './router.js';
import { sendApiError } from './send-json.js';
import type { ExtensionRequestContext, ServerExtension } from './server-extension.js';
import type { Logger } from './server-options.js';
import { isServerFault, toApiError } from './to-api-error.js';

export interface RequestHandlerOptions {
  router: Router<RouteHandler>;
  metrics: Metrics;
  logger: Logger;
  /** Undefined when no API keys are configured. */
  checkAuth: ((authorization: string | undefined) => boolean) | undefined;
  retryAfterSeconds: number;
  /** Host, Origin, CORS and content-type rules for browsers. */
  browser: BrowserRules;
  /** Bytes of an unread body discarded after an error answer before the connection is dropped. */
  maxDrainBytes: number;
  /** Handlers still running; `close()` lets them finish writing before dropping sockets. */
  pending: Set<Promise<void>>;
  /** Mounted extensions, asked in order for requests outside `/v1` that no route matched. */
  extensions: () => readonly ServerExtension[];
}

/**
 * The one entry point for HTTP requests: assigns `x-request-id`, applies the browser rules
 * (Host, Origin, CORS preflight and headers; API key or not), enforces Bearer auth on `/v1`,
 * routes (404 / 405 as JSON errors), requires JSON bodies (415), maps every failure once to the
 * spec error body, and counts the answer by route pattern and status.
 */
export function createRequestHandler(options: RequestHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = newId('req');
    res.setHeader('x-request-id', requestId);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = options.router.match(method, url.pathname);
    const route = match.kind === 'not_found' ? 'unmatched' : match.pattern;
    res.once('close', () => options.metrics.countRequest(method, route, res.statusCode));

    const fail = (error: ApiError): void => {
      // A client still sending its body must be able to read this answer (no reset mid-upload).
      if (!req.complete && hasBody(req)) discardUnreadBody(req, res, options.maxDrainBytes);
      sendApiError(res, error);
    };
    const refused = checkHost(options.browser, req.headers.host) ?? checkOrigin(options.browser, req.headers);
    if (refused) { fail(refused); return; }
    for (const [name, value] of Object.entries(corsHeaders(options.browser, req.headers.origin))) res.setHeader(name, value);
    if (isPreflight(method, req.headers)) {
      const answer = preflightAnswer(options.browser, req.headers);
      if (ApiError.is(answer)) { fail(answer); return; }
      res.writeHead(answer.status, answer.headers).end();
      return;
    }
    if (options.checkAuth && isV1(url.pathname) && !options.checkAuth(req.headers.authorization)) {
      fail(apiErrors.invalidApiKey());
      return;
    }
    if (match.kind === 'not_found') {
      const extensions = isV1(url.pathname) ? [] : options.extensions().filter((extension) => extension.handleRequest !== undefined);
      if (extensions.length === 0) { fail(apiErrors.notFound(url.pathname)); return; }
      const context: ExtensionRequestContext = {
        url, requestId, apiKeysRequired: options.checkAuth !== undefined, hasApiKey: (value) => options.checkAuth?.(value) ?? true,
      };
      const served = (async () => {
        for (const extension of extensions) {
          if (await extension.handleRequest?.(req, res, context) === true) return;
        }
        fail(apiErrors.notFound(url.pathname));
      })().catch((error: unknown) => {
        options.logger.error(`${method} ${url.pathname} (${requestId}): ${describe(error)}`);
        if (res.headersSent) res.destroy();
        else fail(toApiError(error, options.retryAfterSeconds));
      });
      options.pending.add(served);
      void served.finally(() => options.pending.delete(served));
      return;
    }
    if (match.kind === 'method_not_allowed') {
      res.setHeader('allow', match.allow.join(', '));
      fail(apiErrors.methodNotAllowed(method));
      return;
    }
    if (hasBody(req)) {
      const unsupported = checkContentType(req.headers['content-type']);
      if (unsupported) { fail(unsupported); return; }
    }
    const handled = match.handler({ req, res, params: match.params, url, requestId }).catch((error: unknown) => {
      const apiError = toApiError(error, options.retryAfterSeconds);
      if (isServerFault(apiError)) options.logger.error(`${method} ${route} (${requestId}): ${describe(error)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      fail(apiError);
    });
    options.pending.add(handled);
    void handled.finally(() => options.pending.delete(handled));
  };
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isV1(pathname: string): boolean {
  return pathname === '/v1' || pathname.startsWith('/v1/');
}

/** The error and its causes, for the log (never sent to the client). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current !== undefined && parts.length < 4; current = current instanceof Error ? current.cause : undefined) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : 'unknown error');
  }
  return parts.join(' <- ');
}
