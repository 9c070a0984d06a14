import type { RouteHandler, ServerDeps } from '../route-context.js';

/** `GET /metrics`: Prometheus text format. */
export function metricsRoute(deps: ServerDeps): RouteHandler {
  return async ({ res }) => {
    const admission = deps.service.admissionSnapshot();
    const gauges = {
      activeSequences: 0, kvReuseHits: 0, kvReuseMisses: 0,
      inFlightResponses: admission.inFlight, queuedRequests: admission.queued, admissionSlots: admission.slots,
    };
    for (const engine of deps.resolver.engines()) {
      const stats = engine.stats();
      gauges.activeSequences += stats.activeSequences;
      // An engine without a prefix cache it can see into (an upstream) adds nothing here.
      gauges.kvReuseHits += stats.prefixCache?.hits ?? 0;
      gauges.kvReuseMisses += stats.prefixCache?.misses ?? 0;
    }
    const body = deps.metrics.render(gauges);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
}
