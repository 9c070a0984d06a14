import { inputItems, type CreateResponseBody, type InputItem, type ResponseObject } from '@spark/protocol';
import type { ActiveResponse } from './active-response.js';
import type { RememberedResponse } from './connection-memory.js';
import type { ClientFrame } from './parse-client-frame.js';
import { newSteerId, requiredInputs, type QueuedSteer } from './steer.js';
import type { WsFrameWriter } from './ws-frame-writer.js';
import { steerAcceptedFrame, steerFailedFrame, steerPendingFrame, type SteerErrorCode } from './ws-frames.js';

/** The next response a lane generates: a client's create, or an automatic steering successor. */
export interface Turn {
  body: CreateResponseBody;
  generate: boolean;
  /** Steering input this turn commits; its `response.created` is the commit point. */
  steers: QueuedSteer[];
}

export interface SteeringDeps {
  writer: Pick<WsFrameWriter, 'sendNow'>;
  /** Steering submissions one response may hold at once. */
  maxPendingSteers: number;
  /** The connection's generating response with that id. */
  active(id: string): ActiveResponse | undefined;
  /** A finished response the connection remembers, without touching its recency. */
  remembered(id: string): RememberedResponse | undefined;
}

/**
 * `response.steer` on one connection (spec §3.8): accepts steering input for a generating
 * response and stops it, then turns the steers into its successor turn, or holds them for the
 * continuation a response waiting for client tool output gets, or fails them.
 */
export class Steering {
  /** Steering input accepted for a response that stopped to wait for client tool output, by that response's id. */
  private readonly pending = new Map<string, { lane: string | undefined; steers: QueuedSteer[] }>();

  constructor(private readonly deps: SteeringDeps) {}

  /** A create's turn, with the steering input that waited for this continuation prepended (spec §3.8 step 3). */
  turnFor(body: CreateResponseBody, generate: boolean, lane: string | undefined): Turn {
    const previousId = body.previous_response_id;
    const pending = previousId ? this.pending.get(previousId) : undefined;
    if (!previousId || !pending || pending.lane !== lane) return { body, generate, steers: [] };
    this.pending.delete(previousId);
    const input: InputItem[] = [...pending.steers.flatMap((steer) => steer.items), ...inputItems(body.input)];
    return { body: { ...body, input }, generate, steers: pending.steers };
  }

  /** Accepts steering input for a generating response and stops it at the next token, or fails the submission. */
  steer(frame: Extract<ClientFrame, { kind: 'steer' }>): void {
    const { previousResponseId, input } = frame;
    const fail = (code: SteerErrorCode, lane: string | undefined, sequence: number): void =>
      this.deps.writer.sendNow(steerFailedFrame(sequence, { id: undefined, previousResponseId, input }, code, lane));
    const active = this.deps.active(previousResponseId);
    if (!frame.items) { fail('invalid_input', active?.lane, active ? active.nextSequence() : 0); return; }
    if (!active) {
      const remembered = this.deps.remembered(previousResponseId);
      fail(remembered ? (remembered.status === 'completed' ? 'response_already_completed' : 'response_not_active') : 'response_not_found', remembered?.lane, 0);
      return;
    }
    if (active.cancelled) { fail('response_not_active', active.lane, active.nextSequence()); return; }
    if (active.steers.length >= this.deps.maxPendingSteers) { fail('too_many_pending_steers', active.lane, active.nextSequence()); return; }
    const steer: QueuedSteer = { id: newSteerId(), input, items: frame.items };
    active.steers.push(steer);
    this.deps.writer.sendNow(steerAcceptedFrame(active.nextSequence(), steer.id, active.id, active.lane));
    // Stops decoding at the next token; the partial output is kept and the successor continues it.
    active.run.abort('steered');
  }

  /**
   * After a steered response ended: the automatic successor (same settings, steering input as
   * its input, continuing the steered response's state), or `response.steer.pending` when the
   * response waits for client tool output.
   */
  successorOf(active: ActiveResponse, final: ResponseObject): Turn | undefined {
    const steers = active.steers.splice(0);
    if (steers.length === 0) return undefined;
    const sequence = (): number => active.nextSequence();
    if (final.status === 'failed' || active.cancelled) {
      this.fail(steers, final.id, final.status === 'failed' ? 'successor_creation_failed' : 'response_not_active', active.lane, sequence);
      return undefined;
    }
    const stubs = requiredInputs(final.output);
    if (stubs.length > 0) {
      for (const steer of steers) this.deps.writer.sendNow(steerPendingFrame(sequence(), steer.id, final.id, stubs, active.lane));
      this.pending.set(final.id, { lane: active.lane, steers });
      return undefined;
    }
    return {
      body: { ...active.body, previous_response_id: final.id, input: steers.flatMap((steer) => steer.items) },
      generate: true,
      steers,
    };
  }

  /** `response.steer.failed` for each steer, numbered by `sequence`. */
  fail(steers: readonly QueuedSteer[], responseId: string, code: SteerErrorCode, lane: string | undefined, sequence: () => number): void {
    for (const steer of steers) {
      this.deps.writer.sendNow(steerFailedFrame(sequence(), { id: steer.id, previousResponseId: responseId, input: steer.input }, code, lane));
    }
  }

  /** Forgets held steers (the connection closed). */
  clear(): void {
    this.pending.clear();
  }
}
