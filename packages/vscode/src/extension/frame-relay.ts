import { HOST_PATH } from '@spark/host/wire';
import { WebSocket, type RawData } from 'ws';
import { parseWebviewMessage, type ExtensionToWebview } from '../shared/relay-messages.js';

/**
 * The extension host's end of the chat webview's relayed socket (see relay-messages.ts): one
 * `ws` connection to the host per socket the webview opens, the token in the Authorization
 * header, text frames passed through unchanged both ways.
 */
export class FrameRelay {
  private readonly sockets = new Map<number, WebSocket>();

  constructor(
    private readonly reach: () => Promise<{ url: string; token: string }>,
    private readonly post: (message: ExtensionToWebview) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** A message the webview posted; anything that is not a relay message is ignored. */
  receive(value: unknown): void {
    const message = parseWebviewMessage(value);
    if (message === undefined) return;
    switch (message.type) {
      case 'ready':
        return;
      case 'open':
        void this.open(message.id);
        return;
      case 'send':
        this.sockets.get(message.id)?.send(message.data);
        return;
      case 'close': {
        const socket = this.sockets.get(message.id);
        this.sockets.delete(message.id);
        socket?.close(validCloseCode(message.code), message.reason);
        return;
      }
    }
  }

  dispose(): void {
    for (const socket of this.sockets.values()) socket.close(1001, 'The view closed.');
    this.sockets.clear();
  }

  private async open(id: number): Promise<void> {
    let host: { url: string; token: string };
    try {
      host = await this.reach();
    } catch (error) {
      this.log(`Could not reach the agent host: ${error instanceof Error ? error.message : String(error)}`);
      this.post({ type: 'error', id });
      this.post({ type: 'close', id, code: 1006, reason: 'no host' });
      return;
    }
    const target = new URL(host.url);
    target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    target.pathname = HOST_PATH;
    const socket = new WebSocket(target.toString(), { headers: { authorization: `Bearer ${host.token}` }, perMessageDeflate: false });
    this.sockets.set(id, socket);
    socket.on('open', () => { this.post({ type: 'open', id }); });
    socket.on('message', (data, isBinary) => { if (!isBinary) this.post({ type: 'message', id, data: textOf(data) }); });
    socket.on('error', (error) => { this.log(`Agent host socket: ${error.message}`); this.post({ type: 'error', id }); });
    socket.on('close', (code, reason) => {
      if (this.sockets.get(id) === socket) this.sockets.delete(id);
      this.post({ type: 'close', id, code, reason: reason.toString() });
    });
  }
}

/** A code a client may send (1000 or 3000–4999); anything else closes normally. */
function validCloseCode(code: number | undefined): number {
  return code !== undefined && (code === 1000 || (code >= 3000 && code <= 4999)) ? code : 1000;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(new Uint8Array(data)).toString('utf8') : data.toString('utf8');
}
