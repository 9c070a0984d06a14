// Test support: reads RFC 6455 frames off a byte stream that a proxy only observes.

/** One complete WebSocket message (fragments joined) or control frame. */
export interface WsMessage {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  payload: Buffer;
  /** RSV1 was set on the first frame: the payload is permessage-deflate compressed. */
  compressed: boolean;
}

/** Largest frame the reader accepts; a test stream above it is a bug, not a workload. */
export const WS_READER_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Incremental frame decoder for one direction of a connection. Unmasks client frames, joins
 * continuation frames, and passes control frames through as they arrive.
 */
export class WsFrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentCompressed = false;

  /** Feeds bytes; returns the messages they completed. */
  push(chunk: Buffer): WsMessage[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: WsMessage[] = [];
    for (;;) {
      const frame = this.nextFrame();
      if (!frame) return messages;
      const { fin, rsv1, opcode, payload } = frame;
      if (opcode >= 8) {
        messages.push({ opcode, payload, compressed: false });
      } else if (opcode !== 0) {
        if (fin) messages.push({ opcode, payload, compressed: rsv1 });
        else {
          this.fragments = [payload];
          this.fragmentOpcode = opcode;
          this.fragmentCompressed = rsv1;
        }
      } else {
        this.fragments.push(payload);
        if (fin) {
          messages.push({ opcode: this.fragmentOpcode, payload: Buffer.concat(this.fragments), compressed: this.fragmentCompressed });
          this.fragments = [];
        }
      }
    }
  }

  private nextFrame(): { fin: boolean; rsv1: boolean; opcode: number; payload: Buffer } | undefined {
    const bytes = this.buffered;
    if (bytes.length < 2) return undefined;
    const first = bytes.readUInt8(0);
    const second = bytes.readUInt8(1);
    const masked = (second & 0x80) !== 0;
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (bytes.length < 4) return undefined;
      length = bytes.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (bytes.length < 10) return undefined;
      const big = bytes.readBigUInt64BE(2);
      if (big > BigInt(WS_READER_MAX_FRAME_BYTES)) throw new Error(`WebSocket frame of ${big} bytes is over the reader's limit`);
      length = Number(big);
      offset = 10;
    }
    if (length > WS_READER_MAX_FRAME_BYTES) throw new Error(`WebSocket frame of ${length} bytes is over the reader's limit`);
    const maskOffset = offset;
    if (masked) offset += 4;
    if (bytes.length < offset + length) return undefined;
    const payload = Buffer.from(bytes.subarray(offset, offset + length));
    if (masked) for (let index = 0; index < payload.length; index += 1) payload[index] = (payload[index] ?? 0) ^ (bytes[maskOffset + (index % 4)] ?? 0);
    this.buffered = bytes.subarray(offset + length);
    return { fin: (first & 0x80) !== 0, rsv1: (first & 0x40) !== 0, opcode: first & 0x0f, payload };
  }
}
