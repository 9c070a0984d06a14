/**
 * One lane (`stream_id`) of a WebSocket connection: jobs run first-in-first-out and never
 * overlap (spec §3.6). A job's failure is reported and the next one runs.
 */
export class LaneQueue<T> {
  private readonly jobs: T[] = [];
  private running = false;

  constructor(
    private readonly runJob: (job: T) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Jobs waiting (not counting the running one). */
  get waiting(): number {
    return this.jobs.length;
  }

  /** True while a job runs. */
  get busy(): boolean {
    return this.running;
  }

  push(job: T): void {
    this.jobs.push(job);
    if (!this.running) void this.loop();
  }

  /** Drops the waiting jobs and returns them; the running one finishes on its own. */
  clear(): T[] {
    return this.jobs.splice(0);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.jobs.shift(); job !== undefined; job = this.jobs.shift()) {
        try {
          await this.runJob(job);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
