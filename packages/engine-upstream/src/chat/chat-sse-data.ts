import { EngineError } from '@spark/engine';

/**
 * Splits an SSE byte stream into the `data` payloads of its events, one per event (multi-line
 * `data:` fields joined by `\n`, as the SSE spec says). Comments (`: keep-alive`),
 * `event:`/`id:`/`retry:` fields and blank events are skipped; LF, CRLF and CR line ends all
 * count, split anywhere across reads. A line longer than `maxLineBytes` fails the stream rather
 * than growing a buffer without end. Whatever is left after the last line end is never
 * returned: an event is only complete at its blank line.
 *
 * Synchronous on purpose: the engine reads a socket's bytes and folds every event they hold in
 * one step, where a generator per layer would cost a promise per event on the per-token path.
 */
export class SseDataReader {
  private readonly decoder = new TextDecoder();
  private pending = '';
  private data: string[] = [];
  private skipLf = false;

  constructor(private readonly maxLineBytes: number) {}

  /** Appends to `out` the data of every event that `bytes` completes. */
  push(bytes: Uint8Array, out: string[]): void {
    const text = this.decoder.decode(bytes, { stream: true });
    let start = 0;
    if (!text.includes('\r')) {
      // The common case (every server here ends lines with LF): jump from line end to line end.
      if (this.skipLf && this.pending === '' && text.charCodeAt(0) === 10) start = 1;
      this.skipLf = false;
      for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
        this.take(this.pending + text.slice(start, end), out);
        this.pending = '';
        start = end + 1;
      }
    } else {
      for (let index = 0; index < text.length; index += 1) {
        const char = text.charCodeAt(index);
        if (char !== 10 && char !== 13) continue;
        if (char === 10 && this.skipLf && index === start && this.pending === '') {
          this.skipLf = false;
          start = index + 1;
          continue;
        }
        this.take(this.pending + text.slice(start, index), out);
        this.pending = '';
        start = index + 1;
        this.skipLf = char === 13;
      }
    }
    if (start < text.length) {
      if (this.skipLf && text.charCodeAt(start) !== 10) this.skipLf = false;
      this.pending += text.slice(start);
      if (this.pending.length > this.maxLineBytes) throw new EngineError('upstream_error', `Upstream sent an SSE line over ${this.maxLineBytes} bytes`);
    }
  }

  /** One complete line: a blank one ends the event (its data goes to `out`), a `data:` one adds to it. */
  private take(line: string, out: string[]): void {
    if (line === '') {
      if (this.data.length === 0) return;
      out.push(this.data.length === 1 ? this.data[0] as string : this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith('data:')) this.data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
  }
}
