// Test support: a WebSocket client on a bare TCP socket, for what `ws` would not send (ping floods in one write).
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** WebSocket opcodes used by the tests. */
export const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One masked client frame (RFC 6455 §5.2), as a client must send it. */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = Buffer.from(payload);
  const mask = randomBytes(4);
  for (let index = 0; index < body.length; index += 1) body[index] = (body[index] ?? 0) ^ (mask[index % 4] ?? 0);
  let head: Buffer;
  if (body.length < 126) head = Buffer.from([0x80 | opcode, 0x80 | body.length]);
  else if (body.length < 65_536) head = Buffer.from([0x80 | opcode, 0x80 | 126, body.length >> 8, body.length & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(body.length), 2);
  }
  return Buffer.concat([head, mask, body]);
}

/** What a raw client saw: frames by opcode, and how the connection ended. */
export class RawWsClient {
  pongs = 0;
  readonly texts: Array<Record<string, unknown>> = [];
  closeCode: number | undefined;
  readonly ended: Promise<void>;
  private buffer = Buffer.alloc(0);
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) => socket.once('close', () => { resolve(); this.notify(); }));
  }

  /** Opens `/v1/responses` with a hand-written handshake and resolves after the 101. */
  static async connect(baseUrl: string, headers: Record<string, string> = {}): Promise<RawWsClient> {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    const lines = [
      'GET /v1/responses HTTP/1.1', `Host: ${url.host}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString('latin1').split('\r\n')[0] ?? '';
        if (!status.includes(' 101 ')) reject(new Error(`handshake refused: ${status}`));
        else resolve(head.subarray(end + 4));
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
    const client = new RawWsClient(socket);
    if (rest.length > 0) client.onData(rest);
    return client;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves when `predicate` holds, or rejects when the socket closed first. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      if (this.socket.destroyed) throw new Error('the connection closed first');
      await new Promise<void>((resolve) => {
        const listener = (): void => { this.listeners.delete(listener); resolve(); };
        this.listeners.add(listener);
      });
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) break;
      const opcode = (this.buffer[0] ?? 0) & 0x0f;
      let length = (this.buffer[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) break;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === OPCODE.pong) this.pongs += 1;
      else if (opcode === OPCODE.text) this.texts.push(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
      else if (opcode === OPCODE.close) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
    this.notify();
  }
}
