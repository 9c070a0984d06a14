import { agentEventSchema, type AgentEvent } from '@spark/protocol';

/** Longest the bench waits for one condition on the page's host events before it gives up. */
export const DEFAULT_HOST_EVENT_WAIT_MS = 180_000;

/**
 * The agent host's events as the browser app's WebSocket received them (the bench listens to
 * the page's frames through the browser, so the page does no extra work for it).
 */
export class PageHostEvents {
  readonly events: AgentEvent[] = [];
  /** Frames that carried agent events (`event`, or `events` with several). */
  eventFrames = 0;
  private readonly waiters = new Set<() => void>();

  /** One text frame of the page's host WebSocket; frames that are not agent events are skipped. */
  frame(payload: string | Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const { type, event, events } = message as { type?: unknown; event?: unknown; events?: unknown };
    // `events` frames hold several events the host forwarded in one tick.
    const list = type === 'event' ? [event] : type === 'events' && Array.isArray(events) ? events as unknown[] : [];
    if (list.length > 0) this.eventFrames += 1;
    let added = false;
    for (const item of list) {
      const parsed = agentEventSchema.safeParse(item);
      if (!parsed.success) continue;
      this.events.push(parsed.data);
      added = true;
    }
    if (added) for (const waiter of [...this.waiters]) waiter();
  }

  count(type: AgentEvent['type']): number {
    return this.events.filter((event) => event.type === type).length;
  }

  /** Resolves once `ready()` holds, checked after every event. */
  until(ready: () => boolean, what: string, timeoutMs = DEFAULT_HOST_EVENT_WAIT_MS): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => { this.waiters.delete(check); reject(new Error(`no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiters.add(check);
    });
  }
}
