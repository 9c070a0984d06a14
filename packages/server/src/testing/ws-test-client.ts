// Test support: a raw `ws` client that records every server frame and reads them lane by lane.
import { WebSocket, type ClientOptions } from 'ws';

/**
 * When a frame that should come is declared lost: only a hung test should ever hit it. Model
 * tests on two loaded cores can take several seconds per turn, so it is generous.
 */
export const HUNG_TEST_MS = 60_000;

export type Frame = Record<string, unknown>;

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** True for the frame that ends a response (or a request-scoped error frame). */
export function endsTurn(frame: Frame): boolean {
  return TERMINAL.has(String(frame['type'])) || frame['type'] === 'error';
}

/** The `response` object of a lifecycle frame. */
export function responseOf(frame: Frame | undefined): { id: string; status: string; previous_response_id: string | null; output: Array<Record<string, unknown>>; incomplete_details: { reason: string } | null } {
  return (frame?.['response'] ?? {}) as ReturnType<typeof responseOf>;
}

export class WsTestClient {
  readonly frames: Frame[] = [];
  /** Where each lane's reading stopped (key '' = default lane). */
  private readonly cursors = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the server sent a binary frame');
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      this.frames.push(JSON.parse(text) as Frame);
      for (const listener of [...this.listeners]) listener();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const listener of [...this.listeners]) listener();
    }));
  }

  /** Opens `ws://…/v1/responses` with a Bearer key (default 'test-key'). */
  static async connect(baseUrl: string, options: ClientOptions & { apiKey?: string } = {}): Promise<WsTestClient> {
    const { apiKey = 'test-key', headers, ...rest } = options;
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/responses`, { ...rest, headers: { authorization: `Bearer ${apiKey}`, ...headers } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new WsTestClient(ws);
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (at or after `from`) matching `predicate`, waiting for it if needed. */
  async waitFor(predicate: (frame: Frame) => boolean, from = 0, timeoutMs = HUNG_TEST_MS): Promise<Frame> {
    return this.until(() => this.frames.slice(from).find(predicate), timeoutMs);
  }

  /**
   * The next turn of a lane: its frames from where the lane's reading stopped through the first
   * terminal or error frame (frames of other lanes are skipped).
   */
  async turn(streamId?: string, timeoutMs = HUNG_TEST_MS): Promise<Frame[]> {
    const key = streamId ?? '';
    const start = this.cursors.get(key) ?? 0;
    const end = await this.until(() => {
      for (let index = start; index < this.frames.length; index += 1) {
        const frame = this.frames[index];
        if (frame && frame['stream_id'] === streamId && endsTurn(frame)) return index;
      }
      return undefined;
    }, timeoutMs);
    this.cursors.set(key, end + 1);
    return this.frames.slice(start, end + 1).filter((frame) => frame['stream_id'] === streamId);
  }

  /** Sends a `response.create` and returns that turn's frames. */
  async create(body: Record<string, unknown>): Promise<Frame[]> {
    this.send({ type: 'response.create', ...body });
    return this.turn(typeof body['stream_id'] === 'string' ? body['stream_id'] : undefined);
  }

  close(): void {
    this.ws.close();
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found !== undefined) { done(); resolve(found); return; }
        if (this.ws.readyState === WebSocket.CLOSED) { done(); reject(new Error(`socket closed while waiting (${this.frames.length} frames)`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`frame not received in time (${this.frames.length} frames)`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); this.listeners.delete(check); };
      this.listeners.add(check);
      check();
    });
  }
}

/** Text of a response's output messages. */
export function outputText(response: ReturnType<typeof responseOf>): string {
  return response.output
    .filter((item) => item['type'] === 'message')
    .flatMap((item) => item['content'] as Array<{ text?: string }>)
    .map((part) => part.text ?? '')
    .join('');
}
