import { EngineError } from '@spark/engine';

/**
 * The `data` payloads of an SSE byte stream, one per event (multi-line `data:` fields joined by
 * `\n`, as the SSE spec says). Comments (`: keep-alive`), `event:`/`id:`/`retry:` fields and
 * blank events are skipped; LF, CRLF and CR line ends all count, split anywhere across reads.
 * A line longer than `maxLineBytes` fails the stream rather than growing a buffer without end.
 * Whatever is left after the last line end is dropped: an event is only complete at its blank line.
 */
export async function* chatSseData(body: AsyncIterable<Uint8Array>, maxLineBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  let data: string[] = [];
  let skipLf = false;
  /** One complete line: the event's data when it ends the event, else undefined. */
  const take = (line: string): string | undefined => {
    if (line === '') {
      const event = data.length > 0 ? data.join('\n') : undefined;
      data = [];
      return event;
    }
    if (line.startsWith('data:')) data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
    return undefined;
  };
  for await (const bytes of body) {
    const text = decoder.decode(bytes, { stream: true });
    let start = 0;
    if (!text.includes('\r')) {
      // The common case (every server here ends lines with LF): jump from line end to line end.
      if (skipLf && pending === '' && text.charCodeAt(0) === 10) start = 1;
      skipLf = false;
      for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
        const event = take(pending + text.slice(start, end));
        pending = '';
        start = end + 1;
        if (event !== undefined) yield event;
      }
    } else {
      for (let index = 0; index < text.length; index += 1) {
        const char = text.charCodeAt(index);
        if (char !== 10 && char !== 13) continue;
        if (char === 10 && skipLf && index === start && pending === '') {
          skipLf = false;
          start = index + 1;
          continue;
        }
        const event = take(pending + text.slice(start, index));
        pending = '';
        start = index + 1;
        skipLf = char === 13;
        if (event !== undefined) yield event;
      }
    }
    if (start < text.length) {
      if (skipLf && text.charCodeAt(start) !== 10) skipLf = false;
      pending += text.slice(start);
      if (pending.length > maxLineBytes) throw new EngineError('upstream_error', `Upstream sent an SSE line over ${maxLineBytes} bytes`);
    }
  }
}
