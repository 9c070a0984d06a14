// A fake clock and timer queue for tests of anything that takes `now` and `schedule` options.

interface Timer {
  readonly due: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Time moves only when the test says so; timers fire in due order from `advance` / `runAll`. */
export class ManualScheduler {
  time = 0;
  private timers: Timer[] = [];

  /** Pass as the `now` option. */
  readonly now = (): number => this.time;

  /** Pass as the `schedule` option. */
  readonly schedule = (fn: () => void, ms: number): (() => void) => {
    const timer: Timer = { due: this.time + Math.max(0, ms), fn, cancelled: false };
    this.timers.push(timer);
    return () => { timer.cancelled = true; };
  };

  /** Timers scheduled and neither fired nor cancelled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.nextTimer();
      if (next === undefined || next.due > end) break;
      this.time = Math.max(this.time, next.due);
      this.fire(next);
    }
    this.time = end;
  }

  /** Fires timers (advancing the clock to each) until none is left. */
  runAll(limit = 10_000): void {
    for (let i = 0; i < limit; i++) {
      const next = this.nextTimer();
      if (next === undefined) return;
      this.time = Math.max(this.time, next.due);
      this.fire(next);
    }
    throw new Error('ManualScheduler.runAll: timers keep scheduling timers');
  }

  private nextTimer(): Timer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: Timer | undefined;
    for (const t of this.timers) if (best === undefined || t.due < best.due) best = t;
    return best;
  }

  private fire(timer: Timer): void {
    timer.cancelled = true;
    timer.fn();
  }
}
