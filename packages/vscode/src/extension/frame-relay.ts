import { HOST_PATH } from '@spark/host/wire';
import type { AgentOp } from '@spark/protocol';
import { WebSocket, type RawData } from 'ws';
import { parseWebviewMessage, type ExtensionToWebview } from '../shared/relay-messages.js';

/** Prefix of the request ids the extension itself sends on a relayed socket (their answers are not the webview's). */
export const RELAY_REQUEST_PREFIX = 'vscode-';
/** How long an op the extension sends may wait for the host's answer. */
export const RELAY_OP_TIMEOUT_MS = 15_000;

/** Who watches the relayed traffic (the status bar, the patch diffs): frames as text, never changed. */
export interface RelayTap {
  connecting(): void;
  fromHost(data: string): void;
  failed(message: string): void;
}

/**
 * The extension host's end of the chat webview's relayed socket (see relay-messages.ts): one
 * `ws` connection to the host per socket the webview opens, the token in the Authorization
 * header, text frames passed through unchanged both ways.
 */
export class FrameRelay {
  private readonly sockets = new Map<number, WebSocket>();
  private readonly answers = new Map<string, { resolve: () => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private serial = 0;

  constructor(
    private readonly reach: () => Promise<{ url: string; token: string }>,
    private readonly post: (message: ExtensionToWebview) => void,
    private readonly log: (line: string) => void,
    private readonly tap?: RelayTap,
  ) {}

  /**
   * Sends an agent op on the newest open socket, the one the chat attached its thread on (the
   * host takes ops only from an attached client); resolves on the host's result, rejects on its error.
   */
  op(threadId: string, op: AgentOp): Promise<void> {
    const socket = [...this.sockets.values()].reverse().find((candidate) => candidate.readyState === WebSocket.OPEN);
    if (socket === undefined) return Promise.reject(new Error('The chat is not connected to the agent host.'));
    const id = `${RELAY_REQUEST_PREFIX}${++this.serial}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { this.answers.delete(id); reject(new Error('The agent host did not answer.')); }, RELAY_OP_TIMEOUT_MS);
      this.answers.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ type: 'thread.op', id, thread_id: threadId, op }));
    });
  }

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
    for (const answer of this.answers.values()) { clearTimeout(answer.timer); answer.reject(new Error('The chat view closed.')); }
    this.answers.clear();
  }

  private async open(id: number): Promise<void> {
    let host: { url: string; token: string };
    this.tap?.connecting();
    try {
      host = await this.reach();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log(`Could not reach the agent host: ${message}`);
      this.tap?.failed(message);
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
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = textOf(data);
      if (this.answered(text)) return;
      this.tap?.fromHost(text);
      this.post({ type: 'message', id, data: text });
    });
    socket.on('error', (error) => { this.log(`Agent host socket: ${error.message}`); this.tap?.failed(error.message); this.post({ type: 'error', id }); });
    socket.on('close', (code, reason) => {
      if (this.sockets.get(id) === socket) this.sockets.delete(id);
      this.post({ type: 'close', id, code, reason: reason.toString() });
    });
  }

  /** Whether `text` answers an op the extension sent: then it is settled here and not passed on. */
  private answered(text: string): boolean {
    if (this.answers.size === 0 || !text.includes(`"${RELAY_REQUEST_PREFIX}`)) return false;
    let frame: unknown;
    try { frame = JSON.parse(text); } catch { return false; }
    if (typeof frame !== 'object' || frame === null || !('id' in frame) || typeof frame.id !== 'string') return false;
    const answer = this.answers.get(frame.id);
    if (answer === undefined) return false;
    this.answers.delete(frame.id);
    clearTimeout(answer.timer);
    const error = 'error' in frame && typeof frame.error === 'object' && frame.error !== null && 'message' in frame.error ? String(frame.error.message) : undefined;
    if ('type' in frame && frame.type === 'error') answer.reject(new Error(error ?? 'The agent host refused the op.'));
    else answer.resolve();
    return true;
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
