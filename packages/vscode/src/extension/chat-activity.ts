import { hostResultSchemas, parseHostMessage, type HostMessage } from '@spark/host/wire';
import type { AgentEvent } from '@spark/protocol';
import { PatchLedger, type AppliedPatch } from '../patch/patch-ledger.js';
import { statusFromEvent, statusFromSnapshot, type SparkStatus } from '../status/spark-status.js';
import type { RelayTap } from './frame-relay.js';

/**
 * Frames worth reading: a relayed answer streams thousands of delta frames, and the extension
 * host must not parse each a second time (the webview does). A frame naming none of these
 * cannot change the status or the patches.
 */
const INTERESTING = /"(hello|result|snapshot|turn\.|response\.(started|completed)|thread\.idle|error|model\.changed|tool_call|approval\.requested|patch\.)/;

/** What the chat's traffic tells the rest of the extension. */
export interface ChatActivityListener {
  status(update: (status: SparkStatus) => SparkStatus): void;
  patchApplied(patch: AppliedPatch): void;
  patchUndone(callId: string): void;
}

/**
 * Reads the host frames the chat webview receives (through FrameRelay) for the status bar and
 * the patch diffs: the thread the chat shows (its last snapshot), its events, and its patches.
 */
export class ChatActivity implements RelayTap {
  readonly ledger = new PatchLedger();
  private shown: string | null = null;

  constructor(private readonly listener: ChatActivityListener) {}

  /** The thread the chat shows (the one an undo goes to), or null. */
  get threadId(): string | null {
    return this.shown;
  }

  connecting(): void {
    this.listener.status((status) => ({ ...status, state: 'connecting' }));
  }

  failed(message: string): void {
    this.listener.status((status) => ({ ...status, state: 'error', problem: message.slice(0, 200) }));
  }

  fromHost(data: string): void {
    if (!INTERESTING.test(data)) return;
    let message: HostMessage;
    try {
      message = parseHostMessage(data);
    } catch {
      return;
    }
    switch (message.type) {
      case 'hello':
        this.listener.status((status) => ({ ...status, state: status.state === 'connecting' ? 'idle' : status.state, model: status.model === '' ? message.model : status.model }));
        return;
      case 'result': {
        if (!('snapshot' in message.result)) return;
        const attached = hostResultSchemas['thread.attach'].safeParse(message.result);
        if (!attached.success) return;
        this.shown = attached.data.thread.thread_id;
        this.ledger.load(attached.data.snapshot);
        this.listener.status((status) => statusFromSnapshot(status, attached.data.snapshot));
        for (const event of attached.data.events) this.event(event, false);
        return;
      }
      case 'event':
        this.event(message.event, true);
        return;
      case 'events':
        for (const event of message.events) this.event(event, true);
        return;
      default:
        return;
    }
  }

  /** One event; `live`: it happens now (a replayed one from an attach result opens no diff). */
  private event(event: AgentEvent, live: boolean): void {
    const applied = this.ledger.apply(event);
    if (event.thread_id !== this.shown) return;
    this.listener.status((status) => statusFromEvent(status, event));
    if (!live) return;
    if (applied !== undefined) this.listener.patchApplied(applied);
    if (event.type === 'patch.undone') this.listener.patchUndone(event.call_id);
  }
}
