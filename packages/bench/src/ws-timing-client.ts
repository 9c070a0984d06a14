import WebSocket from 'ws';

/** A server event as it arrives, with its client-side arrival time. */
export interface TimedEvent {
  at: number;
  event: { type: string; [key: string]: unknown };
}

interface ResponseUsage { input_tokens: number; output_tokens: number; input_tokens_details: { cached_tokens: number } }
export interface WsTurn {
  id: string;
  ttftMs: number;
  output: unknown[];
  usage: ResponseUsage;
  events: TimedEvent[];
  terminal: string;
}

/**
 * One persistent WebSocket on `/v1/responses` (spec §3): sends client events and collects each
 * response's server events with their arrival times.
 */
export class WsTimingClient {
  private readonly listeners = new Set<(event: TimedEvent) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const timed: TimedEvent = { at: performance.now(), event: JSON.parse(data.toString('utf8')) as TimedEvent['event'] };
      for (const listener of this.listeners) listener(timed);
    });
  }

  /** `ca` trusts a (self-signed) certificate of an https `baseUrl`, which connects with wss. */
  static connect(baseUrl: string, apiKey = 'bench', ca?: string): Promise<WsTimingClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/v1/responses`;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` }, ...(ca === undefined ? {} : { ca }) });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsTimingClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: Record<string, unknown>): number {
    this.socket.send(JSON.stringify(frame));
    return performance.now();
  }

  /** Sends `response.create` and resolves at its terminal event. `onEvent` sees every event. */
  create(frame: Record<string, unknown>, onEvent?: (event: TimedEvent, responseId: string) => void): Promise<WsTurn> {
    return new Promise((resolve, reject) => {
      const events: TimedEvent[] = [];
      let id = '';
      let first = 0;
      let sentAt = 0;
      const listener = (timed: TimedEvent): void => {
        const { event } = timed;
        const response = event['response'] as { id?: string; output?: unknown[]; usage?: ResponseUsage } | undefined;
        if (event.type === 'error' && !id) { this.listeners.delete(listener); reject(new Error(JSON.stringify(event))); return; }
        if (event.type === 'response.created' && !id) id = response?.id ?? '';
        if (!id) return;
        if (response?.id !== undefined && response.id !== id) return;
        events.push(timed);
        onEvent?.(timed, id);
        if (first === 0 && (event.type === 'response.output_text.delta' || event.type.endsWith('arguments.delta'))) first = timed.at;
        if (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed') {
          this.listeners.delete(listener);
          resolve({ id, ttftMs: (first || timed.at) - sentAt, output: response?.output ?? [], usage: response?.usage as ResponseUsage, events, terminal: event.type });
        }
      };
      this.listeners.add(listener);
      sentAt = this.send({ type: 'response.create', ...frame });
    });
  }

  /** Resolves with the first event matching `predicate`. */
  waitFor(predicate: (event: TimedEvent['event']) => boolean): Promise<TimedEvent> {
    return new Promise((resolve) => {
      const listener = (timed: TimedEvent): void => {
        if (!predicate(timed.event)) return;
        this.listeners.delete(listener);
        resolve(timed);
      };
      this.listeners.add(listener);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) { resolve(); return; }
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }
}
