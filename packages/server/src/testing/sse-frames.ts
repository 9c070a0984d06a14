// Test support: splitting raw SSE text into frames, and raw HTTP calls.

export interface SseFrame {
  event: string | undefined;
  data: string;
  /** The frame's exact bytes, without the blank line that ends it. */
  raw: string;
}

/** Splits SSE text into frames; comment-only frames (`: ping`) are kept with no event and empty data. */
export function parseSseFrames(text: string): SseFrame[] {
  return text.split('\n\n').filter((raw) => raw !== '').map((raw) => {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of raw.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice('event: '.length);
      else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
    }
    return { event, data: data.join('\n'), raw };
  });
}

/** The JSON payloads of the event frames, in order. */
export function sseEvents(text: string): Array<Record<string, unknown>> {
  return parseSseFrames(text).filter((frame) => frame.event !== undefined).map((frame) => JSON.parse(frame.data) as Record<string, unknown>);
}

/** POST JSON (or raw text) to a path and return status, headers and body text. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

/** The `error` object of a spec error body. */
export function errorOf(json: unknown): { message: string; type: string; param: string | null; code: string | null } {
  return (json as { error: { message: string; type: string; param: string | null; code: string | null } }).error;
}
