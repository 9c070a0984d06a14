// Test support: a test server with the agent host mounted, and clients that record what the host pushes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEvent } from '@spark/protocol';
import { startTestServer, waitFor, type TestServer } from '@spark/server/testing';
import { WebSocket } from 'ws';
import { AgentHost, type AgentHostOptions } from '../agent-host.js';
import { createHostExtension, type HostExtensionOptions } from '../host-extension.js';
import { HostClient } from '../wire/host-client.js';
import type { ThreadInfo } from '../wire/host-frames.js';
import { HOST_PATH } from '../wire/host-paths.js';

export const TEST_TOKEN = 'test-app-token-0123456789abcdef';

export interface HostTestKit {
  t: TestServer;
  host: AgentHost;
  workspace: string;
  sessionDir: string;
  /** `ws://127.0.0.1:port/v1/agent` */
  wsUrl: string;
  /** A client authenticated with the bearer token, recording every push. */
  connect(): Promise<RecordingClient>;
  close(): Promise<void>;
}

/** Starts a scripted test server with a host on it (approval `ask`, no sandbox, sessions in a temp dir). */
export async function startHostTestKit(
  options: Partial<AgentHostOptions> & { extension?: Partial<HostExtensionOptions>; server?: Parameters<typeof startTestServer>[0] } = {},
): Promise<HostTestKit> {
  const { extension, server, ...hostOptions } = options;
  const t = await startTestServer(server);
  const workspace = await mkdtemp(join(tmpdir(), 'spark-host-ws-'));
  const sessionDir = await mkdtemp(join(tmpdir(), 'spark-host-sessions-'));
  const host = await AgentHost.open({
    baseUrl: t.baseUrl, workspace, sessionDir, approval: 'ask', sandbox: 'off', transport: 'websocket', version: 'test',
    agent: { contextWindow: 100_000 }, ...hostOptions,
  });
  t.server.mount(createHostExtension({ host, token: TEST_TOKEN, ...extension }));
  const wsUrl = `${t.url.replace('http', 'ws')}${HOST_PATH}`;
  const clients: RecordingClient[] = [];
  return {
    t, host, workspace, sessionDir, wsUrl,
    async connect() {
      const client = await RecordingClient.connect(wsUrl, { authorization: `Bearer ${hostOptions.apiKey ?? TEST_TOKEN}` });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.client.close();
      await t.server.close();
      await rm(workspace, { recursive: true, force: true });
      await rm(sessionDir, { recursive: true, force: true });
    },
  };
}

/** A `HostClient` over `ws` that keeps every pushed event and thread change. */
export class RecordingClient {
  readonly events: AgentEvent[] = [];
  readonly changes: ThreadInfo[] = [];
  closedWith: { code: number; reason: string } | undefined;

  private constructor(readonly client: HostClient) {
    client.subscribe((push) => {
      if (push.type === 'event') this.events.push(push.event);
      else if (push.type === 'thread.changed') this.changes.push(push.thread);
      else this.closedWith = { code: push.code, reason: push.reason };
    });
  }

  static async connect(url: string, headers: Record<string, string>): Promise<RecordingClient> {
    const client = await HostClient.connect(url, { createSocket: (target) => new WebSocket(target, { headers }) });
    return new RecordingClient(client);
  }

  /** The recorded events of one thread. */
  of(threadId: string): AgentEvent[] {
    return this.events.filter((event) => event.thread_id === threadId);
  }

  /** Waits until an event of `threadId` matches. */
  async waitForEvent(threadId: string, predicate: (event: AgentEvent) => boolean): Promise<AgentEvent> {
    await waitFor(() => this.of(threadId).some(predicate));
    const found = this.of(threadId).find(predicate);
    if (found === undefined) throw new Error('unreachable');
    return found;
  }

  /** Waits for the thread's `count`-th `thread.idle` (1 = the first). */
  waitForIdle(threadId: string, count = 1): Promise<void> {
    return waitFor(() => this.of(threadId).filter((event) => event.type === 'thread.idle').length >= count);
  }
}
