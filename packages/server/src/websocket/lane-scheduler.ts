import { ApiError } from '@spark/protocol';
import { LaneQueue } from './lane-queue.js';

/** The lane of creates that name no `stream_id`. */
const DEFAULT_LANE = '';

export interface LaneSchedulerOptions<T> {
  /** Named lanes one connection may open (the default lane is not counted). */
  maxNamedLanes: number;
  /** Accepted jobs that have not started, across all lanes. */
  maxQueuedRequests: number;
  /** Runs one job; a lane runs its jobs one at a time, in order. */
  run: (job: T) => Promise<void>;
  /** A job that threw (it is reported; the lane goes on). */
  onError: (error: unknown) => void;
  /** Called whenever the last unfinished job finished (not when `dropQueued` empties the lanes). */
  onIdle: () => void;
}

/**
 * A WebSocket connection's lanes (`stream_id`, spec §3.6): jobs on one lane run first-in-first-out,
 * lanes run concurrently (the service's admission queue decides when each generation starts),
 * and the jobs pipelined behind their lane's running one are counted and capped here: they are
 * invisible to admission until they start.
 */
export class LaneScheduler<T> {
  private readonly lanes = new Map<string, LaneQueue<T>>();
  /** Accepted jobs that have not started. */
  private queued = 0;
  /** Accepted jobs that have not finished (queued included). */
  private unfinishedJobs = 0;

  constructor(private readonly options: LaneSchedulerOptions<T>) {}

  /** Accepted jobs that have not finished (queued included). */
  get unfinished(): number {
    return this.unfinishedJobs;
  }

  /**
   * Queues a job on its lane, or returns why not: a new named lane past `maxNamedLanes` (400), or
   * `maxQueuedRequests` jobs already waiting (429, `retry-after` from `retryAfterSeconds`).
   */
  submit(lane: string | undefined, job: T, retryAfterSeconds: () => number): ApiError | undefined {
    const key = lane ?? DEFAULT_LANE;
    let queue = this.lanes.get(key);
    if (!queue) {
      const named = this.lanes.size - (this.lanes.has(DEFAULT_LANE) ? 1 : 0);
      if (lane !== undefined && named >= this.options.maxNamedLanes) {
        return new ApiError(400, 'invalid_request_error', 'websocket_stream_limit_reached',
          `This connection already uses ${this.options.maxNamedLanes} stream_id lanes; reuse one or open a new connection.`, 'stream_id');
      }
      queue = new LaneQueue<T>((next) => this.runJob(next), this.options.onError);
      this.lanes.set(key, queue);
    }
    if (this.queued >= this.options.maxQueuedRequests) {
      const retry = retryAfterSeconds();
      return new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded',
        `Too many queued requests on this connection (limit ${this.options.maxQueuedRequests}). Please try again in ${retry}s.`, null,
        { headers: { 'retry-after': String(retry) } });
    }
    this.queued += 1;
    this.unfinishedJobs += 1;
    queue.push(job);
    return undefined;
  }

  /** Drops every job that has not started; running ones finish on their own. */
  dropQueued(): void {
    for (const queue of this.lanes.values()) {
      const dropped = queue.clear().length;
      this.queued -= dropped;
      this.unfinishedJobs -= dropped;
    }
  }

  private async runJob(job: T): Promise<void> {
    this.queued -= 1;
    try {
      await this.options.run(job);
    } finally {
      this.unfinishedJobs -= 1;
      if (this.unfinishedJobs === 0) this.options.onIdle();
    }
  }
}
