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
      gauges.kvReuseHits += stats.kvReuseHits;
      gauges.kvReuseMisses += stats.kvReuseMisses;
    }
    const body = deps.metrics.render(gauges);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
}
