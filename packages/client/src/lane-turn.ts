import { abortedError, type ClientError } from './client-error.js';
import { isTerminalEvent, type ClientEvent } from './client-events.js';

/** What a turn hands its reader next. */
export type TurnItem =
  | { kind: 'event'; event: ClientEvent }
  | { kind: 'end' }
  | { kind: 'error'; error: ClientError };

/** A routed server message for a lane. */
export type LaneMessage = { kind: 'event'; event: ClientEvent } | { kind: 'error'; error: ClientError };

export interface LaneTurnHooks {
  /** Sends `response.cancel` for a response of this turn. */
  sendCancel(responseId: string): void;
  /** The turn is over (whether or not its reader has taken everything): its lane is free. */
  onFinished(turn: LaneTurn): void;
  /** Cancelling got no terminal event within the grace period. */
  onGraceExpired(turn: LaneTurn): void;
}

/**
 * One `stream()` call's share of a WebSocket lane: the messages routed to it, and the rule that
 * says when its stream is over. It ends after its response's terminal event, unless steering
 * input was accepted for that response: then it also carries the outcome, either the successor
 * response the server starts (through that one's terminal event) or the `response.steer.pending`
 * / `.failed` events that resolve every accepted steer. A reader that leaves early detaches the
 * turn: it keeps following the frames (dropping them) until the response ends, so the lane's
 * next stream never sees them.
 */
export class LaneTurn {
  private readonly items: TurnItem[] = [];
  private wake: (() => void) | undefined;
  private responseId: string | undefined;
  /** Steers accepted for the current response. */
  private accepted = new Set<string>();
  /** After a steered response ended: its accepted steers not yet resolved by a successor, pending or failure. */
  private awaiting: Set<string> | undefined;
  private cancelling = false;
  private cancelSentFor: string | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private detachedFromReader = false;
  private over = false;
  private markFinished: () => void = () => undefined;
  /** Settles when the turn is over. */
  readonly finished: Promise<void>;
  /** The socket the turn's `response.create` went out on; undefined while connecting. */
  epoch: number | undefined;

  constructor(private readonly hooks: LaneTurnHooks, private readonly cancelGraceMs: number, held: readonly ClientEvent[] = []) {
    this.finished = new Promise((resolve) => { this.markFinished = resolve; });
    for (const event of held) this.items.push({ kind: 'event', event });
  }

  get done(): boolean {
    return this.over;
  }

  get detached(): boolean {
    return this.detachedFromReader;
  }

  get isCancelling(): boolean {
    return this.cancelling;
  }

  deliver(message: LaneMessage): void {
    if (this.over) return;
    if (message.kind === 'error') {
      // After a `response.cancel`, most likely its answer from a server without that extension: the grace timer decides.
      if (this.cancelSentFor !== undefined) return;
      this.finish({ kind: 'error', error: this.cancelling ? abortedError(message.error) : message.error });
      return;
    }
    const { event } = message;
    if (event.type === 'response.created') {
      if (this.responseId === undefined || this.awaiting !== undefined) {
        this.responseId = event.response.id;
        this.awaiting = undefined;
        this.accepted = new Set();
        if (this.cancelling) this.sendCancel();
      }
    } else if (event.type === 'response.steer.accepted') {
      if (event.steer.previous_response_id === this.responseId) this.accepted.add(event.steer.id);
    } else if (event.type === 'response.steer.pending' || event.type === 'response.steer.failed') {
      const id = event.steer.id;
      if (this.awaiting && id !== undefined && this.awaiting.delete(id) && this.awaiting.size === 0) {
        this.emit(event);
        this.finish({ kind: 'end' });
        return;
      }
    } else if (isTerminalEvent(event) && event.response.id === this.responseId) {
      this.emit(event);
      if (this.accepted.size === 0) { this.finish({ kind: 'end' }); return; }
      this.awaiting = this.accepted;
      this.accepted = new Set();
      return;
    }
    this.emit(event);
  }

  /** The socket is gone; a turn its caller aborted reports the abort rather than the socket. */
  fail(error: ClientError): void {
    if (this.over) return;
    this.finish({ kind: 'error', error: this.cancelling ? abortedError(error) : error });
  }

  /**
   * Stops the response (`response.cancel` once its id is known) and keeps following it to its
   * terminal event, which still reaches the reader; after `cancelGraceMs` without one the
   * connection gives up on the socket.
   */
  requestCancel(): void {
    if (this.over || this.cancelling) return;
    this.cancelling = true;
    this.sendCancel();
    this.graceTimer = setTimeout(() => {
      if (!this.over) this.hooks.onGraceExpired(this);
    }, this.cancelGraceMs);
  }

  /** The reader left: drop what comes, cancel, and free the lane when the response ends. */
  detach(): void {
    if (this.over) return;
    this.detachedFromReader = true;
    this.items.length = 0;
    this.requestCancel();
  }

  /** The next item for the reader, waiting for one. */
  async next(): Promise<TurnItem> {
    for (;;) {
      const item = this.items.shift();
      if (item) return item;
      if (this.over) return { kind: 'end' };
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }

  private sendCancel(): void {
    // Between a steered response's end and its successor there is nothing to cancel yet.
    if (this.responseId === undefined || this.awaiting !== undefined || this.cancelSentFor === this.responseId) return;
    this.cancelSentFor = this.responseId;
    this.hooks.sendCancel(this.responseId);
  }

  private emit(event: ClientEvent): void {
    if (this.detachedFromReader) return;
    this.items.push({ kind: 'event', event });
    this.signal();
  }

  private finish(last: TurnItem): void {
    this.over = true;
    clearTimeout(this.graceTimer);
    if (!this.detachedFromReader) this.items.push(last);
    this.signal();
    this.markFinished();
    this.hooks.onFinished(this);
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
