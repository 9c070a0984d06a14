import { resolve } from 'node:path';
import { AgentError, defaultSessionDir, listSessions, openAgent, type ApprovalMode, type OpenAgentOptions, type OpenedAgent, type SandboxSetting } from '@spark/agent';
import type { AgentOp } from '@spark/protocol';
import { fetchModels } from './fetch-models.js';
import { HostError } from './host-error.js';
import {
  DEFAULT_HOST_CLOSE_GRACE_MS, DEFAULT_MAX_LISTED_THREADS, DEFAULT_MAX_OPEN_THREADS, DEFAULT_MAX_THREAD_LOG_BYTES, DEFAULT_MAX_THREAD_LOG_EVENTS,
} from './host-limits.js';
import { HostThread, type HostSubscriber } from './host-thread.js';
import { isSessionId, readSessionSummary, type SessionSummary } from './read-session-summary.js';
import { HOST_PROTOCOL_VERSION, type AttachResult, type HostMessage, type ModelInfo, type ThreadInfo } from './wire/host-frames.js';

export interface AgentHostOptions {
  /** The Responses endpoint the agents use: the local server, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Sent to that server when it requires a key. */
  apiKey?: string;
  /** The one workspace of this host; every agent's tools are confined to it. */
  workspace: string;
  /** Model of new threads; default: the first one the server lists. */
  model?: string;
  /** Approval mode of every thread (default `ask`: clients answer the approvals). */
  approval?: ApprovalMode;
  sandbox?: SandboxSetting;
  testsAllowed?: boolean;
  networkAllowed?: boolean;
  /** How agents reach the server (default `auto`: WebSocket, else HTTP). */
  transport?: 'auto' | 'websocket' | 'http';
  /** Sessions directory (default `defaultSessionDir()`); `false` keeps nothing on disk (no resume, no fork). */
  sessionDir?: string | false;
  /** Spark's version, told to clients in `hello`. */
  version?: string;
  /** See `DEFAULT_MAX_OPEN_THREADS`. */
  maxOpenThreads?: number;
  /** See `DEFAULT_MAX_THREAD_LOG_EVENTS`. */
  maxThreadLogEvents?: number;
  /** See `DEFAULT_MAX_THREAD_LOG_BYTES`. */
  maxThreadLogBytes?: number;
  /** More agent settings, for tests and benches. */
  agent?: Pick<OpenAgentOptions, 'maxStepsPerTurn' | 'requestOverrides' | 'contextWindow' | 'loopGuard'>;
}

/** A connected client as the host sees it: attachable to threads, and told about every thread's changes. */
export interface HostPeer extends HostSubscriber {
  /** A thread was created, changed state, title or model. */
  threadChanged(thread: ThreadInfo): void;
}

/**
 * The agent host of one workspace: agents run here and clients (the browser app, VS Code, the
 * TUI) attach to their threads. The host owns every turn: a turn keeps running when its clients
 * go, and any attached client may steer, queue, interrupt or answer an approval (the first
 * answer wins). Transport-free: `createHostExtension` puts it on a WebSocket, `HostConnection`
 * turns frames into these calls.
 */
export class AgentHost {
  readonly workspace: string;
  private readonly threads = new Map<string, HostThread>();
  /** Threads being opened (started, resumed, forked), so two attaches open one agent. */
  private readonly opening = new Map<string, Promise<HostThread>>();
  private readonly closingThreads = new Map<string, Promise<void>>();
  private readonly peers = new Set<HostPeer>();
  private readonly sessionDir: string | false;
  private readonly maxOpenThreads: number;
  private readonly maxLogEvents: number;
  private readonly maxLogBytes: number;
  private pendingOpens = 0;
  private closed: Promise<void> | undefined;

  private constructor(private readonly options: AgentHostOptions, readonly model: string) {
    this.workspace = resolve(options.workspace);
    this.sessionDir = options.sessionDir === undefined ? defaultSessionDir() : options.sessionDir;
    this.maxOpenThreads = options.maxOpenThreads ?? DEFAULT_MAX_OPEN_THREADS;
    this.maxLogEvents = options.maxThreadLogEvents ?? DEFAULT_MAX_THREAD_LOG_EVENTS;
    this.maxLogBytes = options.maxThreadLogBytes ?? DEFAULT_MAX_THREAD_LOG_BYTES;
  }

  /** A host on `options.baseUrl`: resolves the default model from the server's list (fails with `model_not_found`). */
  static async open(options: AgentHostOptions): Promise<AgentHost> {
    let model = options.model;
    if (model === undefined) {
      const models = await fetchModels(options.baseUrl, options.apiKey);
      model = models[0]?.id;
      if (model === undefined) throw new AgentError('model_not_found', `${options.baseUrl} lists no models.`);
    }
    return new AgentHost(options, model);
  }

  /** The first frame every client gets. */
  hello(): Extract<HostMessage, { type: 'hello' }> {
    return { type: 'hello', protocol: HOST_PROTOCOL_VERSION, workspace: this.workspace, model: this.model, version: this.options.version ?? '0.0.0' };
  }

  /** Registers a client for `thread.changed` broadcasts; `disconnect` undoes it and detaches it everywhere. */
  connect(peer: HostPeer): void {
    this.assertOpen();
    this.peers.add(peer);
  }

  /** A client left: it is detached from every thread; the threads and their turns go on. */
  disconnect(peer: HostPeer): void {
    this.peers.delete(peer);
    for (const thread of this.threads.values()) thread.detach(peer);
  }

  /** This workspace's threads, newest first: the open ones, then those on disk, at most `DEFAULT_MAX_LISTED_THREADS`. */
  async listThreads(): Promise<ThreadInfo[]> {
    const open = [...this.threads.values()].map((thread) => thread.info());
    const out = [...open];
    if (this.sessionDir !== false) {
      for (const entry of await listSessions(this.sessionDir)) {
        if (out.length >= DEFAULT_MAX_LISTED_THREADS) break;
        if (entry.workspace !== this.workspace || this.threads.has(entry.id)) continue;
        const summary = await readSessionSummary(this.sessionDir, entry.id);
        if (summary === undefined) continue;
        out.push({ ...closedInfo(summary), updated_ms: entry.updated_ms });
      }
    }
    return out.sort((a, b) => b.updated_ms - a.updated_ms);
  }

  /** Models the server serves, local and upstream. */
  listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    return fetchModels(this.options.baseUrl, this.options.apiKey, signal);
  }

  /** Opens a new thread and attaches `peer`; `answer` gets the attach result in the tick it is subscribed. */
  async startThread(peer: HostPeer, model: string | undefined, answer: (result: AttachResult) => void): Promise<void> {
    const thread = await this.openThread(undefined, () => this.openAgent({ model: model ?? this.model }), { title: '', createdAt: undefined });
    this.attachOpen(peer, thread, answer);
  }

  /** Attaches `peer` to a thread, opening it from disk first when it is not open (resume). */
  async attachThread(peer: HostPeer, threadId: string, answer: (result: AttachResult) => void): Promise<void> {
    const thread = this.threads.get(threadId) ?? await this.resume(threadId);
    this.attachOpen(peer, thread, answer);
  }

  /** Opens a copy of a thread's history up to the end of `turn` (default: all) as a new thread, and attaches `peer`. */
  async forkThread(peer: HostPeer, threadId: string, turn: number | undefined, answer: (result: AttachResult) => void): Promise<void> {
    if (this.sessionDir === false) throw new HostError('unsupported', 'This host keeps no sessions on disk, so threads cannot be forked.');
    const source = this.threads.get(threadId);
    let from: { model: string; title: string };
    if (source !== undefined) {
      // The fork replays the source's file: what its agent wrote so far must be there.
      await source.opened.session?.flush();
      from = source.info();
    } else {
      from = await this.summary(threadId);
    }
    const served = await this.servedModel(from.model);
    const fork = { id: threadId, ...(turn === undefined ? {} : { turn }) };
    // A fork of turn 0 has no user message yet: it gets its title from its own first turn.
    const title = turn === 0 ? '' : from.title;
    const thread = await this.openThread(undefined, () => this.openAgent({ model: served, fork }), { title, createdAt: undefined });
    this.attachOpen(peer, thread, answer);
  }

  /** Stops a thread's events for `peer`; the thread goes on. */
  detachThread(peer: HostPeer, threadId: string): void {
    const thread = this.openThreadFor(peer, threadId);
    thread.detach(peer);
  }

  /** One agent op on a thread `peer` is attached to. */
  submit(peer: HostPeer, threadId: string, op: AgentOp): Promise<void> {
    return this.openThreadFor(peer, threadId).submit(op);
  }

  /**
   * Interrupts every running turn, waits at most `graceMs` for them to end, and closes every
   * agent and its connection. Clients stay connected until their transport closes them.
   */
  close(graceMs = DEFAULT_HOST_CLOSE_GRACE_MS): Promise<void> {
    this.closed ??= (async () => {
      await Promise.allSettled([...this.opening.values()]);
      await Promise.allSettled([...this.threads.values()].map((thread) => thread.close(graceMs)));
      await Promise.allSettled([...this.closingThreads.values()]);
      this.threads.clear();
      this.peers.clear();
    })();
    return this.closed;
  }

  // --- Opening and closing threads --------------------------------------------------------------

  private openThreadFor(peer: HostPeer, threadId: string): HostThread {
    const thread = this.threads.get(threadId);
    if (thread === undefined) throw new HostError('unknown_thread', 'No open thread has this id; attach to it first.');
    if (!thread.isAttached(peer)) throw new HostError('not_attached', 'Attach to the thread before sending it ops.');
    return thread;
  }

  private attachOpen(peer: HostPeer, thread: HostThread, answer: (result: AttachResult) => void): void {
    if (peer.closed) return;
    // Same tick: the answer is sent before any event the thread reads after subscribing the peer.
    answer(thread.attach(peer));
  }

  private async resume(threadId: string): Promise<HostThread> {
    const pending = this.opening.get(threadId);
    if (pending !== undefined) return pending;
    if (this.sessionDir === false) throw new HostError('unknown_thread', 'No open thread has this id.');
    const opening = (async () => {
      // A thread being closed (evicted) is opened again once its session file is complete.
      await this.closingThreads.get(threadId);
      const summary = await this.summary(threadId);
      const model = await this.servedModel(summary.model);
      return this.openThread(threadId, () => this.openAgent({ model, resume: threadId }), { title: summary.title, createdAt: summary.created_at });
    })();
    this.opening.set(threadId, opening);
    try {
      return await opening;
    } finally {
      this.opening.delete(threadId);
    }
  }

  private async summary(threadId: string): Promise<SessionSummary> {
    const summary = this.sessionDir === false || !isSessionId(threadId) ? undefined : await readSessionSummary(this.sessionDir, threadId);
    if (summary?.workspace !== this.workspace) throw new HostError('unknown_thread', 'No thread with this id in this workspace.');
    return summary;
  }

  /** `model` when the server still serves it, else the host's default (a resumed thread outlives a model). */
  private async servedModel(model: string): Promise<string> {
    const models = await this.listModels().catch(() => []);
    return models.some((entry) => entry.id === model) ? model : this.model;
  }

  private async openThread(
    existingId: string | undefined, open: () => Promise<OpenedAgent>, meta: { title: string; createdAt: string | undefined },
  ): Promise<HostThread> {
    this.assertOpen();
    this.makeRoom();
    this.pendingOpens += 1;
    let opened: OpenedAgent;
    try {
      opened = await open();
    } finally {
      this.pendingOpens -= 1;
    }
    if (this.closed !== undefined) {
      await opened.connection.close();
      throw new HostError('host_closed', 'The host is closing.');
    }
    const sessionMeta = opened.session?.meta;
    const forkedFrom = sessionMeta?.forked_from;
    const thread = new HostThread(opened, {
      title: meta.title,
      createdAt: meta.createdAt ?? sessionMeta?.created_at ?? new Date().toISOString(),
      ...(forkedFrom === undefined ? {} : { forkedFrom: { thread_id: forkedFrom.id, turn: forkedFrom.turn } }),
      maxLogEvents: this.maxLogEvents,
      maxLogBytes: this.maxLogBytes,
      onChanged: (info) => this.broadcast(info),
      onFailed: (failed) => { this.closeThread(failed); },
    });
    if (existingId !== undefined && thread.id !== existingId) throw new HostError('internal_error', 'The resumed session has another id.');
    this.threads.set(thread.id, thread);
    this.broadcast(thread.info());
    return thread;
  }

  private openAgent(extra: Pick<OpenAgentOptions, 'model' | 'resume' | 'fork'>): Promise<OpenedAgent> {
    const o = this.options;
    return openAgent({
      baseUrl: o.baseUrl, workspace: this.workspace, approval: o.approval ?? 'ask', approve: 'op', sessionDir: this.sessionDir,
      ...(o.apiKey === undefined ? {} : { apiKey: o.apiKey }),
      ...(o.transport === undefined ? {} : { transport: o.transport }),
      ...(o.sandbox === undefined ? {} : { sandbox: o.sandbox }),
      ...(o.testsAllowed === undefined ? {} : { testsAllowed: o.testsAllowed }),
      ...(o.networkAllowed === undefined ? {} : { networkAllowed: o.networkAllowed }),
      ...o.agent,
      ...extra,
    });
  }

  /** Closes the least recently used idle thread nobody watches when the host is full; refuses when none can go. */
  private makeRoom(): void {
    if (this.threads.size + this.pendingOpens < this.maxOpenThreads) return;
    const idle = [...this.threads.values()].filter((thread) => !thread.isRunning && thread.subscriberCount === 0);
    const oldest = idle.sort((a, b) => a.lastUsedMs - b.lastUsedMs)[0];
    if (oldest === undefined) throw new HostError('too_many_threads', `${this.maxOpenThreads} threads are open and in use; detach from one first.`);
    this.closeThread(oldest);
  }

  private closeThread(thread: HostThread): void {
    if (this.threads.get(thread.id) !== thread) return;
    this.threads.delete(thread.id);
    const closing = thread.close(0).catch(() => undefined).finally(() => {
      if (this.closingThreads.get(thread.id) === closing) this.closingThreads.delete(thread.id);
    });
    this.closingThreads.set(thread.id, closing);
    this.broadcast({ ...thread.info(), state: 'closed' });
  }

  private broadcast(info: ThreadInfo): void {
    for (const peer of this.peers) peer.threadChanged(info);
  }

  private assertOpen(): void {
    if (this.closed !== undefined) throw new HostError('host_closed', 'The host is closing.');
  }
}

function closedInfo(summary: SessionSummary): Omit<ThreadInfo, 'updated_ms'> {
  return {
    thread_id: summary.id, title: summary.title, model: summary.model, created_at: summary.created_at, state: 'closed',
    ...(summary.forked_from === undefined ? {} : { forked_from: summary.forked_from }),
  };
}
