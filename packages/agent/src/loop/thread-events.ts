import type { AgentEvent, AgentEventBody } from './agent-events.js';
import { AgentError } from './agent-error.js';
import { EventChannel } from './event-channel.js';

/**
 * Events one subscriber may leave unread before it is dropped (it fails with `events_overflow`):
 * a client that stopped reading must not hold the agent's memory without bound. A long turn
 * streams one event per token, so this is many turns' worth.
 */
export const DEFAULT_MAX_UNREAD_EVENTS = 200_000;

/**
 * The event queue of one thread: stamps each event with the thread id, the running turn's id and
 * the next sequence number, and hands it to every subscriber, in order, as it happens. A
 * subscriber sees the events after it subscribed; `lastSeq` taken in the same tick is the seam
 * a late client joins a snapshot at.
 */
export class ThreadEvents {
  private seq = 0;
  private readonly subscribers = new Set<EventChannel<AgentEvent>>();

  constructor(
    readonly threadId: string,
    private readonly turnId: () => string | null,
    private readonly maxUnread = DEFAULT_MAX_UNREAD_EVENTS,
  ) {}

  /** The seq of the last event emitted; 0 before the first. */
  get lastSeq(): number {
    return this.seq;
  }

  emit(body: AgentEventBody): AgentEvent {
    this.seq += 1;
    // The envelope goes last, so an event's JSON begins as it did before events carried ids.
    const event: AgentEvent = { ...body, thread_id: this.threadId, turn_id: this.turnId(), seq: this.seq };
    for (const subscriber of this.subscribers) {
      if (subscriber.unread >= this.maxUnread) {
        this.subscribers.delete(subscriber);
        subscriber.fail(new AgentError('events_overflow', `A subscriber left ${this.maxUnread} events unread and was dropped.`));
      } else {
        subscriber.push(event);
      }
    }
    return event;
  }

  /** Every event from now on, until the consumer leaves its loop. */
  subscribe(): AsyncIterable<AgentEvent> {
    const channel: EventChannel<AgentEvent> = new EventChannel(() => { this.subscribers.delete(channel); });
    this.subscribers.add(channel);
    return channel;
  }
}
