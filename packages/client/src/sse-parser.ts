import { ClientError } from './client-error.js';

/** One dispatched server-sent event. */
export interface SseMessage {
  /** The `event:` field; undefined when the event had none (clients dispatch on the JSON `type`). */
  event: string | undefined;
  /** The `data:` lines joined with '\n'. */
  data: string;
  /** The last `id:` seen so far, as the spec's "last event ID". */
  id: string | undefined;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * An incremental `text/event-stream` parser (WHATWG HTML §9.2.6) fed raw bytes: lines end in
 * LF, CR or CRLF, and a chunk may split anything (a CRLF pair, a multi-byte character, a field
 * name). It splits on bytes rather than decoded text because CR and LF never occur inside a
 * UTF-8 sequence, so each complete line decodes on its own and the size limit counts real bytes.
 * Comments (`: ping`) and unknown fields are skipped; an event with no `data:` line dispatches
 * nothing; an event cut off by the end of the stream is never dispatched.
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  /** The bytes of a line no terminator has ended yet. */
  private partial: Uint8Array[] = [];
  private partialBytes = 0;
  /** The previous chunk ended with CR: a leading LF completes that CRLF, not another line. */
  private afterCr = false;
  /** Bytes of the event being assembled, terminators included. */
  private eventBytes = 0;
  private eventType: string | undefined;
  private data: string[] = [];
  private lastId: string | undefined;

  constructor(private readonly maxEventBytes: number) {}

  /** Feeds one chunk; returns the events it completed, in order. Throws `event_too_large` past the limit. */
  push(chunk: Uint8Array): SseMessage[] {
    const messages: SseMessage[] = [];
    let start = 0;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index];
      if (this.afterCr) {
        this.afterCr = false;
        if (byte === LF) { start = index + 1; continue; }
      }
      if (byte !== LF && byte !== CR) continue;
      this.line(this.takeLine(chunk.subarray(start, index)), messages);
      start = index + 1;
      this.afterCr = byte === CR;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.checkSize(this.partialBytes + rest.length);
      // A copy: the caller may reuse its buffer for the next chunk.
      this.partial.push(rest.slice());
      this.partialBytes += rest.length;
    }
    return messages;
  }

  private takeLine(tail: Uint8Array): Uint8Array {
    if (this.partial.length === 0) return tail;
    const line = new Uint8Array(this.partialBytes + tail.length);
    let offset = 0;
    for (const piece of this.partial) { line.set(piece, offset); offset += piece.length; }
    line.set(tail, offset);
    this.partial = [];
    this.partialBytes = 0;
    return line;
  }

  private line(bytes: Uint8Array, messages: SseMessage[]): void {
    if (bytes.length === 0) { this.dispatch(messages); return; }
    this.eventBytes += bytes.length + 1;
    this.checkSize(0);
    const text = this.decoder.decode(bytes);
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event': this.eventType = value; return;
      case 'data': this.data.push(value); return;
      case 'id': if (!value.includes('\0')) this.lastId = value; return;
      default: return;
    }
  }

  private dispatch(messages: SseMessage[]): void {
    if (this.data.length > 0) messages.push({ event: this.eventType, data: this.data.join('\n'), id: this.lastId });
    this.eventType = undefined;
    this.data = [];
    this.eventBytes = 0;
  }

  private checkSize(pendingBytes: number): void {
    if (this.eventBytes + pendingBytes > this.maxEventBytes) {
      throw new ClientError('event_too_large', `A server-sent event exceeded the limit of ${this.maxEventBytes} bytes (maxEventBytes).`);
    }
  }
}
