import type { AgentEvent, AgentOp } from '@spark/protocol';
import {
  HostFrameError, parseHostMessage, parseHostResult, type HostError, type HostMessage, type HostRequest, type HostRequestType, type HostResult,
  type ThreadInfo,
} from './host-frames.js';

/** How long `connectHost` waits for the socket to open and the host's `hello`. */
export const DEFAULT_HOST_CONNECT_TIMEOUT_MS = 10_000;
/** How long a request waits for its answer before it fails with `timeout`. */
export const DEFAULT_HOST_REQUEST_TIMEOUT_MS = 60_000;

/**
 * The part of a WebSocket the client uses: the browser's `WebSocket` and the `ws` package's both
 * fit, so one client serves the app, the VS Code extension and the TUI.
 */
export interface HostSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: () => void): void;
}

/** A frame the host pushed without being asked. */
export type HostPush =
  | { type: 'event'; event: AgentEvent }
  | { type: 'thread.changed'; thread: ThreadInfo }
  | { type: 'closed'; code: number; reason: string };

/** An `error` answer from the host, or a local failure (`timeout`, `closed`, `aborted`, `invalid_frame`). */
export class HostRequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'HostRequestError';
  }
}

export interface ConnectHostOptions {
  /** Opens the socket: `(url) => new WebSocket(url)` in a browser; `ws` with headers in Node. */
  createSocket: (url: string) => HostSocket;
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

type RequestParams<T extends HostRequestType> = Omit<Extract<HostRequest, { type: T }>, 'type' | 'id'>;

interface Pending {
  type: HostRequestType;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

/**
 * One connection to an agent host: requests answered by id, and the frames the host pushes
 * (events of attached threads, thread list changes) to every listener in arrival order.
 */
export class HostClient {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(push: HostPush) => void>();
  private closedWith: { code: number; reason: string } | undefined;

  private constructor(
    private readonly socket: HostSocket,
    readonly hello: Extract<HostMessage, { type: 'hello' }>,
    private readonly requestTimeoutMs: number,
  ) {
    socket.addEventListener('message', (event) => { this.receive(event.data); });
    socket.addEventListener('close', (event) => { this.closed(event.code, event.reason); });
  }

  /** Opens a socket to `url` (ws://…/v1/agent) and resolves once the host said hello. */
  static connect(url: string, options: ConnectHostOptions): Promise<HostClient> {
    const socket = options.createSocket(url);
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_HOST_CONNECT_TIMEOUT_MS;
    return new Promise<HostClient>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        try { socket.close(); } catch { /* already closed */ }
        reject(error);
      };
      const onAbort = (): void => { fail(new HostRequestError('aborted', 'Connecting to the agent host was aborted.')); };
      const timer = setTimeout(() => { fail(new HostRequestError('timeout', `The agent host at ${url} did not answer within ${timeoutMs} ms.`)); }, timeoutMs);
      socket.addEventListener('error', () => { fail(new HostRequestError('closed', `Could not connect to the agent host at ${url}.`)); });
      socket.addEventListener('close', (event) => {
        fail(new HostRequestError('closed', `The agent host at ${url} closed the connection (${event.code}${event.reason === '' ? '' : `: ${event.reason}`}).`));
      });
      socket.addEventListener('message', (event) => {
        if (settled) return;
        let message: HostMessage;
        try {
          message = parseHostMessage(textOf(event.data));
        } catch (error) {
          fail(error instanceof Error ? error : new HostRequestError('invalid_frame', 'Unreadable first frame.'));
          return;
        }
        if (message.type !== 'hello') { fail(new HostRequestError('invalid_frame', `Expected hello from the agent host, got ${message.type}.`)); return; }
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(new HostClient(socket, message, options.requestTimeoutMs ?? DEFAULT_HOST_REQUEST_TIMEOUT_MS));
      });
      // Listeners first: closing a socket still connecting reports an error through them.
      if (options.signal?.aborted === true) { onAbort(); return; }
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get isOpen(): boolean {
    return this.closedWith === undefined && this.socket.readyState === OPEN;
  }

  /** Sends a request and resolves with its parsed result; rejects with `HostRequestError` (the host's code, or a local one). */
  request<T extends HostRequestType>(type: T, params: RequestParams<T>, options: { signal?: AbortSignal } = {}): Promise<HostResult<T>> {
    if (this.closedWith !== undefined || this.socket.readyState !== OPEN) {
      return Promise.reject(new HostRequestError('closed', 'The connection to the agent host is closed.'));
    }
    if (options.signal?.aborted === true) return Promise.reject(new HostRequestError('aborted', `${type} was aborted.`));
    const id = `r${this.nextId++}`;
    return new Promise<HostResult<T>>((resolve, reject) => {
      const onAbort = (): void => { this.settle(id)?.reject(new HostRequestError('aborted', `${type} was aborted.`)); };
      const timer = setTimeout(() => {
        this.settle(id)?.reject(new HostRequestError('timeout', `The agent host did not answer ${type} within ${this.requestTimeoutMs} ms.`));
      }, this.requestTimeoutMs);
      this.pending.set(id, {
        type,
        resolve: (value) => { options.signal?.removeEventListener('abort', onAbort); resolve(value as HostResult<T>); },
        reject: (error) => { options.signal?.removeEventListener('abort', onAbort); reject(error); },
        timer,
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.socket.send(JSON.stringify({ ...params, type, id }));
    });
  }

  /** Submits one agent op to an attached thread. */
  async submit(threadId: string, op: AgentOp, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.request('thread.op', { thread_id: threadId, op }, options);
  }

  /** Calls `listener` with every pushed frame until the returned function is called. */
  subscribe(listener: (push: HostPush) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  close(): void {
    try { this.socket.close(1000, 'client closed'); } catch { /* already closed */ }
    this.closed(1000, 'client closed');
  }

  private settle(id: string): Pending | undefined {
    const pending = this.pending.get(id);
    if (pending === undefined) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  private receive(data: unknown): void {
    let message: HostMessage;
    try {
      message = parseHostMessage(textOf(data));
    } catch {
      return; // a frame this client cannot read is not the user's problem; the host's next frames still count
    }
    switch (message.type) {
      case 'result': {
        const pending = this.settle(message.id);
        if (pending === undefined) return;
        try {
          pending.resolve(parseHostResult(pending.type, message.result));
        } catch (error) {
          pending.reject(new HostRequestError('invalid_frame', `The agent host answered ${pending.type} with an unexpected result: ${error instanceof Error ? error.message : 'invalid'}`));
        }
        return;
      }
      case 'error': {
        if (message.id === null) return;
        this.settle(message.id)?.reject(toRequestError(message.error));
        return;
      }
      case 'event':
      case 'thread.changed':
        this.emit(message);
        return;
      case 'events':
        // Listeners see one `event` push per event, as if each had come in its own frame.
        for (const event of message.events) this.emit({ type: 'event', event });
        return;
      case 'hello':
        return;
    }
  }

  private emit(push: HostPush): void {
    for (const listener of [...this.listeners]) listener(push);
  }

  private closed(code: number, reason: string): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = { code, reason };
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(new HostRequestError('closed', `The connection to the agent host closed (${code}) before it answered.`));
    }
    this.emit({ type: 'closed', code, reason });
    this.listeners.clear();
  }
}

function toRequestError(error: HostError): HostRequestError {
  return new HostRequestError(error.code, error.message);
}

function textOf(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (data instanceof Uint8Array) return new TextDecoder().decode(data);
  throw new HostFrameError('invalid_frame', 'The host sent a frame that is not text.');
}
