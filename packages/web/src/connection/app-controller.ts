import { HostClient, HostRequestError, HOST_PATH, type AttachResult, type HostPush, type HostSocket, type ModelInfo, type ThreadInfo } from '@spark/host/wire';
import type { AgentEvent, AgentOp, ApprovalDecision } from '@spark/protocol';
import { ThreadStore } from '../store/thread-store.js';
import { reconnectDelay } from './reconnect-delay.js';
import { hashOfThread, threadFromHash } from './thread-hash.js';

/** What the app shows of the host, beside the thread. */
export interface AppView {
  readonly connection: 'connecting' | 'open' | 'reconnecting';
  readonly workspace: string;
  readonly version: string;
  /** The model new threads use (the host's default, or the one picked before the first message). */
  readonly defaultModel: string;
  readonly threads: readonly ThreadInfo[];
  readonly models: readonly ModelInfo[];
  /** The last failure to reach the host, shown while reconnecting. */
  readonly problem: string;
}

const INITIAL: AppView = { connection: 'connecting', workspace: '', version: '', defaultModel: '', threads: [], models: [], problem: '' };

/**
 * The app's one connection to the agent host: connects (and reconnects with backoff,
 * re-attaching the shown thread), keeps the thread list and models, routes the shown thread's
 * events into the ThreadStore and sends the user's ops. No framework: components subscribe.
 */
export class AppController {
  readonly store = new ThreadStore();
  private client: HostClient | null = null;
  private state: AppView = INITIAL;
  private readonly listeners = new Set<() => void>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Events of a thread being attached, held until its snapshot is loaded. */
  private attaching: { threadId: string; buffer: AgentEvent[] } | null = null;
  private disposed = false;

  /**
   * `createSocket` opens the socket to the host: the page's own WebSocket by default; the VS Code
   * webview passes one whose frames the extension host relays.
   */
  constructor(private readonly url: string, private readonly options: { createSocket?: (url: string) => HostSocket } = {}) {}

  get view(): AppView {
    return this.state;
  }

  get threadId(): string | null {
    return this.store.view.threadId;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  start(): void {
    window.addEventListener('hashchange', this.onHashChange);
    void this.connect();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    window.removeEventListener('hashchange', this.onHashChange);
    this.client?.close();
  }

  // --- What the user does -----------------------------------------------------------------------

  /** Enter: a new turn when idle, a steer while one runs; starts a thread first when none is shown. `/bg <task>` hands the task to a background agent. */
  async send(text: string): Promise<void> {
    const task = /^\/bg\s+([\s\S]+)$/.exec(text)?.[1];
    if (task !== undefined) {
      if (this.threadId === null && !(await this.newThread())) return;
      await this.op({ type: 'background', text: task.trim() });
      return;
    }
    if (this.store.view.running) { await this.op({ type: 'steer', text }); return; }
    if (this.threadId === null && !(await this.newThread())) return;
    await this.op({ type: 'user_message', text });
  }

  /** Tab: waits for the running turn; when idle it is the same as send. */
  async queue(text: string): Promise<void> {
    if (!this.store.view.running) { await this.send(text); return; }
    await this.op({ type: 'queue', text });
  }

  interrupt(): Promise<void> { return this.op({ type: 'interrupt' }); }
  undo(): Promise<void> { return this.op({ type: 'undo' }); }
  editQueued(index: number, text: string | null): Promise<void> { return this.op({ type: 'edit_queued', index, text }); }
  promoteQueued(index: number): Promise<void> { return this.op({ type: 'promote_queued', index }); }
  decide(requestId: string, decision: ApprovalDecision): Promise<void> { return this.op({ type: 'approval', request_id: requestId, decision }); }
  stopBackground(agentId: string): Promise<void> { return this.op({ type: 'background_stop', agent_id: agentId }); }
  applyBackground(agentId: string): Promise<void> { return this.op({ type: 'background_apply', agent_id: agentId }); }

  /** The model of the shown thread, or of the next new thread when none is shown. */
  async setModel(model: string): Promise<void> {
    if (this.threadId === null) { this.update({ defaultModel: model }); return; }
    await this.op({ type: 'set_model', model });
  }

  /** Starts an empty thread on the picked model and shows it. */
  async newThread(): Promise<boolean> {
    const client = this.client;
    if (client === null) { this.store.note('error', 'Not connected to the agent host.'); return false; }
    try {
      const model = this.state.defaultModel;
      const result = await client.request('thread.start', model === '' ? {} : { model });
      this.show(result);
      return true;
    } catch (error) {
      this.store.note('error', messageOf(error));
      return false;
    }
  }

  /** Shows a thread: attaches to it (resuming it from disk when closed) and follows it live. */
  async open(threadId: string): Promise<void> {
    const client = this.client;
    if (client === null) return;
    const previous = this.threadId;
    this.attaching = { threadId, buffer: [] };
    try {
      const result = await client.request('thread.attach', { thread_id: threadId });
      this.show(result);
      if (previous !== null && previous !== threadId) void client.request('thread.detach', { thread_id: previous }).catch(() => undefined);
    } catch (error) {
      this.attaching = null;
      if (error instanceof HostRequestError && error.code === 'unknown_thread') {
        if (threadFromHash(location.hash) === threadId) history.replaceState(null, '', location.pathname + location.search);
        this.store.clear();
      }
      this.store.note('error', messageOf(error));
    }
  }

  /** A copy of a thread's history as a new thread, shown at once. */
  async fork(threadId: string): Promise<void> {
    const client = this.client;
    if (client === null) return;
    try {
      this.show(await client.request('thread.fork', { thread_id: threadId }));
    } catch (error) {
      this.store.note('error', messageOf(error));
    }
  }

  /** Back to the empty page: the next message starts a new thread. */
  showNothing(): void {
    const previous = this.threadId;
    if (previous !== null) void this.client?.request('thread.detach', { thread_id: previous }).catch(() => undefined);
    this.store.clear();
    this.setHash(null);
  }

  // --- The connection -------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.disposed) return;
    let client: HostClient;
    try {
      client = await HostClient.connect(this.url, { createSocket: this.options.createSocket ?? ((url) => new WebSocket(url)) });
    } catch (error) {
      this.retry(messageOf(error));
      return;
    }
    if (this.disposed) { client.close(); return; }
    this.client = client;
    this.attempt = 0;
    client.subscribe(this.onPush);
    this.update({
      connection: 'open', problem: '', workspace: client.hello.workspace, version: client.hello.version,
      defaultModel: this.state.defaultModel === '' ? client.hello.model : this.state.defaultModel,
    });
    const [threads, models] = await Promise.allSettled([client.request('threads.list', {}), client.request('models.list', {})]);
    if (threads.status === 'fulfilled') this.update({ threads: sortThreads(threads.value.threads) });
    if (models.status === 'fulfilled') this.update({ models: models.value.models });
    // Reload, a copied URL or a reconnect: back to the thread shown; a fresh tab follows a running one.
    const target = this.threadId ?? threadFromHash(location.hash)
      ?? (threads.status === 'fulfilled' ? threads.value.threads.find((thread) => thread.state === 'running')?.thread_id ?? null : null);
    if (target !== null) await this.open(target);
  }

  private retry(problem: string): void {
    if (this.disposed) return;
    this.update({ connection: this.state.connection === 'connecting' && this.attempt === 0 ? 'connecting' : 'reconnecting', problem });
    const delay = reconnectDelay(this.attempt++);
    this.timer = setTimeout(() => { void this.connect(); }, delay);
  }

  private readonly onPush = (push: HostPush): void => {
    switch (push.type) {
      case 'event': {
        const attaching = this.attaching;
        if (attaching !== null && push.event.thread_id === attaching.threadId) { attaching.buffer.push(push.event); return; }
        this.store.apply(push.event);
        return;
      }
      case 'thread.changed':
        this.update({ threads: sortThreads([push.thread, ...this.state.threads.filter((thread) => thread.thread_id !== push.thread.thread_id)]) });
        return;
      case 'closed':
        this.client = null;
        this.attaching = null;
        this.update({ connection: 'reconnecting' });
        this.retry(`The connection to the agent host closed (${push.code}).`);
        return;
    }
  };

  private readonly onHashChange = (): void => {
    const target = threadFromHash(location.hash);
    if (target !== null && target !== this.threadId) void this.open(target);
  };

  private show(result: AttachResult): void {
    const held = this.attaching?.threadId === result.thread.thread_id ? this.attaching.buffer : [];
    this.attaching = null;
    this.store.load({ snapshot: result.snapshot, events: [...result.events, ...held] });
    this.update({ threads: sortThreads([result.thread, ...this.state.threads.filter((thread) => thread.thread_id !== result.thread.thread_id)]) });
    this.setHash(result.thread.thread_id);
  }

  private async op(op: AgentOp): Promise<void> {
    const client = this.client;
    const threadId = this.threadId;
    if (client === null || threadId === null) { this.store.note('error', 'Not connected to a thread.'); return; }
    try {
      await client.submit(threadId, op);
    } catch (error) {
      this.store.note('error', messageOf(error));
    }
  }

  private setHash(threadId: string | null): void {
    const hash = hashOfThread(threadId);
    if (location.hash === hash || (hash === '' && location.hash === '')) return;
    history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  }

  private update(patch: Partial<AppView>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

/** The host's WebSocket URL for a page served by `spark serve`. */
export function hostUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${HOST_PATH}`;
}

function sortThreads(threads: readonly ThreadInfo[]): ThreadInfo[] {
  return [...threads].sort((a, b) => b.updated_ms - a.updated_ms);
}

function messageOf(error: unknown): string {
  if (error instanceof HostRequestError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
