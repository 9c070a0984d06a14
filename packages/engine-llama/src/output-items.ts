import type { ConversationItem, EngineEvent } from '@spark/engine';

/**
 * Collects a generation's events into the conversation items they add: each run of text as an
 * assistant item, each ended call as a tool_call item, in the order they were produced.
 */
export class OutputItems {
  private readonly collected: ConversationItem[] = [];
  private readonly openCalls = new Map<string, { name: string; kind: 'function' | 'custom' }>();
  private text = '';

  observe(event: EngineEvent): void {
    switch (event.type) {
      case 'text-delta':
        this.text += event.delta;
        return;
      case 'tool-call-start':
        this.flushText();
        this.openCalls.set(event.callId, { name: event.name, kind: event.kind });
        return;
      case 'tool-call-end': {
        const call = this.openCalls.get(event.callId);
        if (!call) return;
        this.openCalls.delete(event.callId);
        this.collected.push({ type: 'tool_call', callId: event.callId, name: call.name, arguments: event.arguments, kind: call.kind });
        return;
      }
      case 'prompt':
      case 'reasoning-delta':
      case 'tool-call-delta':
      case 'finish':
        return;
      default: {
        const unreachable: never = event;
        throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** The items so far. */
  items(): ConversationItem[] {
    this.flushText();
    return [...this.collected];
  }

  /** Whether any call was made. */
  get hasCalls(): boolean {
    return this.collected.some((item) => item.type === 'tool_call');
  }

  private flushText(): void {
    if (this.text === '') return;
    this.collected.push({ type: 'assistant', text: this.text });
    this.text = '';
  }
}
