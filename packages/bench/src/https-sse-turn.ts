import { request, type Agent } from 'node:https';

/** One streamed turn as the client saw it. */
export interface TimedTurn {
  /** Request sent -> first text delta. */
  ttftMs: number;
  /** Request sent -> terminal event. */
  turnMs: number;
  /** Arrival times of the text deltas (performance.now()). */
  deltaAt: number[];
  outputTokens: number;
}

/**
 * One `POST /v1/responses` with `stream: true` over https, timed on the client from the moment
 * the request starts (so a new connection's TCP and TLS handshakes count). `agent: false` opens a
 * new connection and closes it after the answer, as a client without keep-alive does; a
 * keep-alive `Agent` reuses its socket.
 */
export function httpsSseTurn(baseUrl: string, body: Record<string, unknown>, options: { ca: string; agent: Agent | false; apiKey: string }): Promise<TimedTurn> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ ...body, stream: true });
    const started = performance.now();
    const deltaAt: number[] = [];
    let terminalAt = 0;
    let outputTokens = 0;
    let buffer = '';
    const req = request(`${baseUrl}/v1/responses`, {
      method: 'POST', ca: options.ca, agent: options.agent,
      headers: {
        'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${options.apiKey}`,
        ...(options.agent === false ? { connection: 'close' } : {}),
      },
    }, (res) => {
      if (res.statusCode !== 200) { res.resume(); reject(new Error(`HTTP ${res.statusCode ?? 0}`)); return; }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = performance.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          // The server writes each event's `type` first.
          const type = /"type":"([^"]+)"/.exec(frame)?.[1];
          if (type === 'response.output_text.delta') deltaAt.push(now);
          else if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
            terminalAt = now;
            outputTokens = Number(/"output_tokens":(\d+)/.exec(frame)?.[1] ?? NaN);
          }
        }
      });
      res.once('end', () => {
        if (terminalAt === 0) { reject(new Error('stream ended without a terminal event')); return; }
        resolve({ ttftMs: (deltaAt[0] ?? terminalAt) - started, turnMs: terminalAt - started, deltaAt, outputTokens });
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(payload);
  });
}
