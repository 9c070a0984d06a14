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
  for await (const bytes of body) {
    const text = decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let index = 0; index < text.length; index += 1) {
      const char = text.charCodeAt(index);
      if (char !== 10 && char !== 13) continue;
      if (char === 10 && skipLf && index === start && pending === '') {
        skipLf = false;
        start = index + 1;
        continue;
      }
      const line = pending + text.slice(start, index);
      pending = '';
      start = index + 1;
      skipLf = char === 13;
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
        continue;
      }
      if (line.startsWith('data:')) data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
    }
    if (start < text.length) {
      if (skipLf && text.charCodeAt(start) !== 10) skipLf = false;
      pending += text.slice(start);
      if (pending.length > maxLineBytes) throw new EngineError('upstream_error', `Upstream sent an SSE line over ${maxLineBytes} bytes`);
    }
  }
}
