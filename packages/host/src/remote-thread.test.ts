import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTurns, submitAndCollect, type AgentEvent } from '@spark/agent';
import { startTestServer, steps, type TestServer } from '@spark/server/testing';
import { AgentHost } from './agent-host.js';
import { connectHost } from './connect-host.js';
import { createHostExtension } from './host-extension.js';
import { RemoteThread } from './remote-thread.js';
import type { HostClient } from './wire/host-client.js';

const TOKEN = 'tok_remote_0123456789abcdef0123456789';

function textOf(events: readonly AgentEvent[]): string {
  return events.flatMap((event) => (event.type === 'text.delta' ? [event.delta] : [])).join('');
}

void describe('RemoteThread (an AgentHandle over a real host)', () => {
  let t: TestServer;
  let workspace: string;
  const clients: HostClient[] = [];
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'spark-remote-thread-'));
    t = await startTestServer();
    const host = await AgentHost.open({ baseUrl: t.baseUrl, workspace, sessionDir: false, approval: 'never-ask' });
    t.server.mount(createHostExtension({ host, token: TOKEN }));
  });
  after(async () => {
    for (const client of clients) client.close();
    await t.server.close();
    await rm(workspace, { recursive: true, force: true });
  });
  const connect = async (): Promise<HostClient> => {
    const client = await connectHost(t.url, TOKEN);
    clients.push(client);
    return client;
  };

  void it('streams a turn started through it, in seq order, and keeps its snapshot and fields up to date', async () => {
    const thread = await RemoteThread.start(await connect());
    assert.equal(thread.snapshot().last_seq, 0);
    const events: AgentEvent[] = [];
    for await (const event of runTurns(thread, 'hello remote')) events.push(event);
    assert.equal(textOf(events), 'You said: hello remote');
    assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => index + 1));
    assert.equal(thread.runningTurnId, null);
    assert.deepEqual(thread.items.map((item) => (item.type === 'message' ? `${item.role}: ${item.content}` : item.type)), ['user: hello remote', 'assistant: You said: hello remote']);
    assert.ok(thread.snapshot().last_seq > (events.at(-1)?.seq ?? 0), 'thread.idle counted too');
    assert.ok(thread.contextTokens > 0);
  });

  void it('a second client attaching mid-turn gets the history, then the live events with no gap and no duplicate', async () => {
    const first = await RemoteThread.start(await connect());
    const firstEvents: AgentEvent[] = [];
    const reading = (async () => { for await (const event of runTurns(first, 'slow 40')) firstEvents.push(event); })();
    while (!firstEvents.some((event) => event.type === 'text.delta')) await new Promise((resolve) => setTimeout(resolve, 2));
    const second = await RemoteThread.attach(await connect(), first.threadId);
    const from = second.snapshot().last_seq;
    const live: AgentEvent[] = [];
    for await (const event of second.events()) {
      live.push(event);
      if (event.type === 'thread.idle') break;
    }
    await reading;
    const seqs = live.map((event) => event.seq);
    assert.deepEqual(seqs, seqs.map((_, index) => from + index + 1), 'consecutive from the snapshot on');
    // What the late client holds (its snapshot's events plus the live ones) is what the first saw.
    const lateText = textOf(firstEvents.filter((event) => event.seq <= from)) + textOf(live);
    assert.equal(lateText, textOf(firstEvents));
    assert.deepEqual(second.items, first.items);
    assert.equal(second.snapshot().last_seq, first.snapshot().last_seq);
  });

  void it("knows the host's undo list: from the attach snapshot's undoable, then patch.applied and patch.undone", async () => {
    const first = await RemoteThread.start(await connect());
    const patch = (name: string): string => steps({ type: 'tool_call', name: 'apply_patch', arguments: `*** Begin Patch\n*** Add File: ${name}\n+x\n*** End Patch\n`, kind: 'custom' });
    for await (const _ of runTurns(first, patch('undo-a.txt'))) { /* drain */ }
    for await (const _ of runTurns(first, patch('undo-b.txt'))) { /* drain */ }
    const paths = (thread: RemoteThread): string[][] => thread.undoable.map((entry) => entry.files.map((file) => file.path));
    assert.deepEqual(paths(first), [['undo-a.txt'], ['undo-b.txt']], 'from the patch.applied events, oldest first');
    // A client attaching afterwards learns them from the snapshot alone (no patch event reaches it).
    const second = await RemoteThread.attach(await connect(), first.threadId);
    assert.deepEqual(paths(second), [['undo-a.txt'], ['undo-b.txt']]);
    assert.deepEqual(second.snapshot().undoable?.map((entry) => entry.paths), [['undo-a.txt'], ['undo-b.txt']]);
    assert.deepEqual(second.undoable.map((entry) => entry.call_id), first.undoable.map((entry) => entry.call_id));
    const undone = (await submitAndCollect(first, { type: 'undo' })).find((event) => event.type === 'patch.undone');
    assert.deepEqual(undone?.type === 'patch.undone' && undone.restored, ['undo-b.txt']);
    assert.deepEqual(paths(first), [['undo-a.txt']]);
    for (let tries = 0; second.undoable.length !== 1; tries += 1) {
      assert.ok(tries < 1000, 'the other client never saw the undo');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(paths(second), [['undo-a.txt']]);
  });

  void it('refuses a user message while a turn runs with the host code, and reports a lost connection to readers', async () => {
    const client = await connect();
    const thread = await RemoteThread.start(client);
    const reading = (async () => { for await (const _ of runTurns(thread, 'slow 30')) { /* drain */ } })();
    while (thread.runningTurnId === null) await new Promise((resolve) => setTimeout(resolve, 2));
    await assert.rejects(thread.submit({ type: 'user_message', text: 'again' }), (error: unknown) => error instanceof Error && 'code' in error && error.code === 'busy');
    await reading;
    const iterator = thread.events()[Symbol.asyncIterator]();
    const next = iterator.next();
    client.close();
    await assert.rejects(next, (error: unknown) => error instanceof Error && 'code' in error && error.code === 'connection_failed');
    await assert.rejects(thread.submit({ type: 'interrupt' }), /closed/);
  });
});
