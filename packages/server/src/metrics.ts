import type { EngineEvent } from '@spark/engine';

/** Seconds from request to first output token. */
export const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
/** Decode speed of one generation. */
export const TOKENS_PER_SECOND_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] as const;
/** Seconds a generation waited for a model slot (0 when one was free). */
export const QUEUE_WAIT_BUCKETS = [0.005, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/** Values read at scrape time from the engines and the responses service. */
export interface MetricsGauges {
  activeSequences: number;
  kvReuseHits: number;
  kvReuseMisses: number;
  inFlightResponses: number;
  /** Requests waiting in the admission queues for a model slot. */
  queuedRequests: number;
  /** Model slots over every model (what the admission queues let run at once). */
  admissionSlots: number;
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.sum += value;
    this.count += 1;
    this.buckets.forEach((bound, index) => {
      if (value <= bound) this.counts[index] = (this.counts[index] ?? 0) + 1;
    });
  }

  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.buckets.forEach((bound, index) => lines.push(`${name}_bucket{le="${bound}"} ${this.counts[index] ?? 0}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
    return lines;
  }
}

/** Prometheus metrics of one server, rendered in the text exposition format (0.0.4). */
export class Metrics {
  private readonly requests = new Map<string, { method: string; route: string; status: number; count: number }>();
  private readonly ttft = new Histogram(TTFT_BUCKETS);
  private readonly decodeRate = new Histogram(TOKENS_PER_SECOND_BUCKETS);
  private readonly queueWait = new Histogram(QUEUE_WAIT_BUCKETS);
  private readonly refused = new Map<string, number>();
  private websockets = 0;
  private websocketsTotal = 0;

  /** Counts one answered HTTP request; `route` is the route pattern, never the raw path. */
  countRequest(method: string, route: string, status: number): void {
    const key = `${method} ${route} ${status}`;
    const entry = this.requests.get(key);
    if (entry) entry.count += 1;
    else this.requests.set(key, { method, route, status, count: 1 });
  }

  /** A WebSocket connection completed its handshake. */
  websocketOpened(): void {
    this.websockets += 1;
    this.websocketsTotal += 1;
  }

  websocketClosed(): void {
    this.websockets -= 1;
  }

  observeTimeToFirstToken(seconds: number): void {
    this.ttft.observe(seconds);
  }

  observeOutputTokensPerSecond(rate: number): void {
    this.decodeRate.observe(rate);
  }

  /** A generation got its model slot after waiting this long. */
  observeQueueWait(seconds: number): void {
    this.queueWait.observe(seconds);
  }

  /** The admission queue refused a request (`queue_full`, `wait_limit`, or a transport's `backlog_full`). */
  countAdmissionRefused(reason: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  render(gauges: MetricsGauges): string {
    const lines: string[] = [
      '# HELP spark_http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE spark_http_requests_total counter',
    ];
    for (const { method, route, status, count } of this.requests.values()) {
      lines.push(`spark_http_requests_total{method="${label(method)}",route="${label(route)}",status="${status}"} ${count}`);
    }
    lines.push(
      ...this.ttft.render('spark_time_to_first_token_seconds', 'Seconds from request to the first output token.'),
      ...this.decodeRate.render('spark_output_tokens_per_second', 'Decode speed of each generation, in output tokens per second.'),
      ...this.queueWait.render('spark_queue_wait_seconds', 'Seconds each generation waited in the admission queue for a model slot.'),
      '# HELP spark_queued_requests Requests waiting in the admission queue for a model slot.',
      '# TYPE spark_queued_requests gauge',
      `spark_queued_requests ${gauges.queuedRequests}`,
      '# HELP spark_admission_slots Generations the admission queues let run at once, over every model.',
      '# TYPE spark_admission_slots gauge',
      `spark_admission_slots ${gauges.admissionSlots}`,
      '# HELP spark_admission_refused_total Requests refused with 429 by admission, by reason.',
      '# TYPE spark_admission_refused_total counter',
      ...[...this.refused].map(([reason, count]) => `spark_admission_refused_total{reason="${label(reason)}"} ${count}`),
      '# HELP spark_active_sequences Engine sequences currently generating.',
      '# TYPE spark_active_sequences gauge',
      `spark_active_sequences ${gauges.activeSequences}`,
      '# HELP spark_kv_reuse_hits_total Generations whose prompt reused a cached KV prefix.',
      '# TYPE spark_kv_reuse_hits_total counter',
      `spark_kv_reuse_hits_total ${gauges.kvReuseHits}`,
      '# HELP spark_kv_reuse_misses_total Generations that prefilled their prompt from scratch.',
      '# TYPE spark_kv_reuse_misses_total counter',
      `spark_kv_reuse_misses_total ${gauges.kvReuseMisses}`,
      '# HELP spark_inflight_responses Responses currently being generated.',
      '# TYPE spark_inflight_responses gauge',
      `spark_inflight_responses ${gauges.inFlightResponses}`,
      '# HELP spark_websocket_connections WebSocket connections currently open.',
      '# TYPE spark_websocket_connections gauge',
      `spark_websocket_connections ${this.websockets}`,
      '# HELP spark_websocket_connections_total WebSocket connections accepted.',
      '# TYPE spark_websocket_connections_total counter',
      `spark_websocket_connections_total ${this.websocketsTotal}`,
    );
    return `${lines.join('\n')}\n`;
  }
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Times one generation from its engine events as they pass, the same way for every API: the
 * first output token (text or a tool call) against when the request was accepted, and the decode
 * speed its finish reports.
 */
export class GenerationTiming {
  private startedAt: number | undefined;

  constructor(private readonly metrics: Metrics, startedAt: number) {
    this.startedAt = startedAt;
  }

  observe(event: EngineEvent): void {
    if (this.startedAt !== undefined && (event.type === 'text-delta' || event.type === 'tool-call-start')) {
      this.metrics.observeTimeToFirstToken((performance.now() - this.startedAt) / 1000);
      this.startedAt = undefined;
    }
    if (event.type === 'finish' && event.timings && event.timings.decodeTokens > 0) this.metrics.observeOutputTokensPerSecond(event.timings.decodeTokensPerSecond);
  }
}
