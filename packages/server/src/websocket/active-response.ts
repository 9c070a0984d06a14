import type { CreateResponseBody } from '@spark/protocol';
import type { ResponseRun } from '../responses-service.js';
import { serializeStreamEvent } from '../serialize-stream-event.js';
import type { StreamEventBody } from '../stream-response.js';
import type { QueuedSteer } from './steer.js';

/**
 * A response a connection is generating, and the owner of its `sequence_number`s: its stream
 * events and the steer frames about it share one sequence, numbered here as they are written.
 */
export class ActiveResponse {
  readonly id: string;
  /** Accepted steering input, waiting for the response to stop. */
  readonly steers: QueuedSteer[] = [];
  /** Stopped by `response.cancel`: no successor, pending steers fail. */
  cancelled = false;
  /** Settles once its terminal event was handled. */
  readonly done: Promise<void>;
  private sequence = 0;
  private markDone: () => void = () => undefined;

  constructor(readonly run: ResponseRun, readonly lane: string | undefined, readonly body: CreateResponseBody) {
    this.id = run.id;
    this.done = new Promise<void>((resolve) => { this.markDone = resolve; });
  }

  /** The next number in this response's sequence, for a steer frame. */
  nextSequence(): number {
    return this.sequence++;
  }

  /** A stream event as its frame's text: numbered in this response's sequence, tagged with its named lane. */
  frame(event: StreamEventBody): string {
    return serializeStreamEvent(event, this.sequence++, this.lane);
  }

  /** Marks its terminal event handled (or the response gone). */
  finish(): void {
    this.markDone();
  }
}
