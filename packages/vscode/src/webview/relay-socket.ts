import type { HostSocket } from '@spark/host/wire';
import { parseExtensionMessage, type WebviewToExtension } from '../shared/relay-messages.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

type Listeners = {
  open: Array<() => void>;
  message: Array<(event: { data: unknown }) => void>;
  close: Array<(event: { code: number; reason: string }) => void>;
  error: Array<() => void>;
};

let nextId = 1;

/**
 * A HostSocket whose frames travel through the extension host (see relay-messages.ts): what the
 * browser app's HostClient gets instead of a WebSocket inside the webview.
 */
export class RelaySocket implements HostSocket {
  readyState = CONNECTING;
  private readonly id = nextId++;
  private readonly listeners: Listeners = { open: [], message: [], close: [], error: [] };

  constructor(private readonly post: (message: WebviewToExtension) => void) {
    window.addEventListener('message', this.onMessage);
    post({ type: 'open', id: this.id });
  }

  send(data: string): void {
    if (this.readyState === OPEN) this.post({ type: 'send', id: this.id, data });
  }

  close(code?: number, reason?: string): void {
    if (this.readyState === CLOSED) return;
    this.post({ type: 'close', id: this.id, ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }) });
    this.closed(code ?? 1000, reason ?? '');
  }

  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: () => void): void;
  addEventListener(type: keyof Listeners, listener: never): void {
    (this.listeners[type] as unknown[]).push(listener);
  }

  private readonly onMessage = (event: MessageEvent): void => {
    const message = parseExtensionMessage(event.data);
    if (message === undefined || message.type === 'prompt' || message.type === 'context' || message.id !== this.id || this.readyState === CLOSED) return;
    switch (message.type) {
      case 'open':
        this.readyState = OPEN;
        for (const listener of [...this.listeners.open]) listener();
        return;
      case 'message':
        for (const listener of [...this.listeners.message]) listener({ data: message.data });
        return;
      case 'error':
        for (const listener of [...this.listeners.error]) listener();
        return;
      case 'close':
        this.closed(message.code, message.reason);
        return;
    }
  };

  private closed(code: number, reason: string): void {
    this.readyState = CLOSED;
    window.removeEventListener('message', this.onMessage);
    for (const listener of [...this.listeners.close]) listener({ code, reason });
  }
}
