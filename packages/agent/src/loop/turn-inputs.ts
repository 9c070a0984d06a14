import { userMessage, type HistoryItem } from '../history/history-item.js';

/**
 * What the user and the harness have said that has not reached the model yet: steering for the
 * next request, steering the server holds for the next tool results, harness notes, and the
 * messages queued as next turns.
 */
export class TurnInputs {
  readonly queued: string[] = [];
  /** Steering the server will itself put before the next tool results (a `pending` steer). */
  serverHeldSteer: HistoryItem | undefined;
  /** Steering to send with the next request. */
  pending: HistoryItem[] = [];
  /** Harness notes (re-read files, undos) to send with the next request. */
  notes: HistoryItem[] = [];
  /** A steer was accepted without tool calls: its successor response should follow on the stream. */
  awaitingSuccessor = false;

  steerNext(text: string): void {
    this.pending.push(userMessage(text));
  }

  note(text: string): void {
    this.notes.push(userMessage(text));
  }

  /** Notes then steering, in the order they reach the model; taken for the next request. */
  take(): HistoryItem[] {
    const items = [...this.notes, ...this.pending];
    this.notes = [];
    this.pending = [];
    return items;
  }

  /** Something is waiting to be sent, so the turn goes on after an answer without calls. */
  get waiting(): boolean {
    return this.pending.length > 0 || this.notes.length > 0;
  }

  /** The items the next request will add (for the context estimate). */
  get unsent(): HistoryItem[] {
    return [...this.notes, ...this.pending];
  }

  queue(text: string): void {
    this.queued.push(text);
  }

  /** Edits or removes (text undefined) a queued message. */
  editQueued(index: number, text: string | undefined): void {
    if (index < 0 || index >= this.queued.length) throw new RangeError(`No queued message ${index}`);
    if (text === undefined) this.queued.splice(index, 1);
    else this.queued[index] = text;
  }

  /** Takes a queued message out (to steer with it). */
  takeQueued(index: number): string {
    const [text] = this.queued.splice(index, 1);
    if (text === undefined) throw new RangeError(`No queued message ${index}`);
    return text;
  }
}
