import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentEvent } from '@spark/protocol';
import { steps, waitFor } from '@spark/server/testing';
import { startHostTestKit, type HostTestKit, type RecordingClient } from './testing/host-test-kit.js';
import { HostRequestError } from './wire/host-client.js';
import type { AttachResult } from './wire/host-frames.js';

const ADD_FILE_PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+hello from the host\n*** End Patch\n';

/** Seqs rise by one from `from + 1`: nothing missing, nothing twice. */
function assertContiguous(events: readonly AgentEvent[], from: number): void {
  events.forEach((event, index) => { assert.equal(event.seq, from + index + 1, `event ${index} (${event.type}) has seq ${event.seq}, expected ${from + index + 1}`); });
}

function finals(events: readonly AgentEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'turn.completed' ? [event.final_message] : []));
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof HostRequestError && error.code === code);
}

void describe('AgentHost over real sockets (scripted engine)', () => {
  let kit: HostTestKit;
  before(async () => { kit = await startHostTestKit(); });
  after(async () => { await kit.close(); });

  async function startThread(client: RecordingClient): Promise<AttachResult> {
    return client.client.request('thread.start', {});
  }

  void it('says hello with the protocol, workspace and default model', async () => {
    const a = await kit.connect();
    assert.equal(a.client.hello.protocol, 1);
    assert.equal(a.client.hello.workspace, kit.host.workspace);
    assert.equal(a.client.hello.model, 'scripted');
  });

  void it('two clients on one thread see identical event sequences', async () => {
    const a = await kit.connect();
    const b = await kit.connect();
    const started = await startThread(a);
    const id = started.thread.thread_id;
    assert.equal(started.snapshot.last_seq, 0);
    const attached = await b.client.request('thread.attach', { thread_id: id });
    assert.deepEqual(attached.snapshot, started.snapshot);
    await a.client.submit(id, { type: 'user_message', text: 'slow 30' });
    await a.waitForIdle(id);
    await b.waitForIdle(id);
    assert.ok(a.of(id).length > 30);
    assert.deepEqual(b.of(id), a.of(id));
    assertContiguous(a.of(id), 0);
    assert.deepEqual(finals(a.of(id)), [Array.from({ length: 30 }, (_, i) => `t${i + 1}`).join(' ')]);
  });

  void it('a client attaching mid-turn gets the thread so far, then the live events: no gap, no duplicate', async () => {
    const a = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await a.client.submit(id, { type: 'user_message', text: 'first' });
    await a.waitForIdle(id);
    // Long enough that the second client attaches while it runs, even on a loaded CI machine.
    await a.client.submit(id, { type: 'user_message', text: 'slow 400' });
    await waitFor(() => a.of(id).filter((event) => event.type === 'text.delta').length >= 20);
    const b = await kit.connect();
    const attached = await b.client.request('thread.attach', { thread_id: id });
    // The base is the thread as of the last idle (turn 1 done); the log is the running turn so far.
    assert.equal(attached.snapshot.turns, 1);
    assert.deepEqual(attached.snapshot.history.map((item) => item.type === 'message' && item.content), ['first', 'You said: first']);
    assert.ok(attached.events.some((event) => event.type === 'text.delta'), 'the attach answer carries the turn so far');
    assert.ok(attached.events.every((event) => event.type !== 'thread.idle'));
    await b.waitForIdle(id);
    const seen = [...attached.events, ...b.of(id)];
    assertContiguous(seen, attached.snapshot.last_seq);
    assert.deepEqual(seen, a.of(id).filter((event) => event.seq > attached.snapshot.last_seq));
    const text = seen.flatMap((event) => (event.type === 'text.delta' ? [event.delta] : [])).join('');
    assert.equal(text, Array.from({ length: 400 }, (_, i) => `t${i + 1}`).join(' '));

    // After the turn the base moved up: a new client gets it all as history and an empty log.
    const c = await kit.connect();
    const later = await c.client.request('thread.attach', { thread_id: id });
    assert.deepEqual(later.events, []);
    assert.equal(later.snapshot.turns, 2);
    assert.equal(later.snapshot.last_seq, b.of(id).at(-1)?.seq);
  });

  void it('a turn keeps running when its only client disconnects', async () => {
    const a = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await a.client.submit(id, { type: 'user_message', text: 'slow 100' });
    await waitFor(() => a.of(id).filter((event) => event.type === 'text.delta').length >= 5);
    a.client.close();
    const b = await kit.connect();
    const attached = await b.client.request('thread.attach', { thread_id: id });
    const all = (): AgentEvent[] => [...attached.events, ...b.of(id)];
    if (attached.snapshot.running_turn_id !== null || attached.events.length > 0) await waitFor(() => all().some((event) => event.type === 'thread.idle'));
    const again = await b.client.request('thread.attach', { thread_id: id });
    const last = again.snapshot.history.at(-1);
    assert.equal(last?.type === 'message' && last.content, Array.from({ length: 100 }, (_, i) => `t${i + 1}`).join(' '));
    assert.ok(!all().some((event) => event.type === 'turn.completed' && event.status !== 'completed'));
  });

  void it('approvals: either client may answer, the first answer wins, the late one gets unknown_approval', async () => {
    const a = await kit.connect();
    const b = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await b.client.request('thread.attach', { thread_id: id });
    await a.client.submit(id, { type: 'user_message', text: steps({ type: 'tool_call', name: 'shell', arguments: '{"command":"touch approved.txt","timeout_ms":0}' }) });
    const requested = await b.waitForEvent(id, (event) => event.type === 'approval.requested');
    assert.ok(requested.type === 'approval.requested');
    await a.waitForEvent(id, (event) => event.type === 'approval.requested');
    await b.client.submit(id, { type: 'approval', request_id: requested.request_id, decision: 'approve' });
    await rejectsWith(a.client.submit(id, { type: 'approval', request_id: requested.request_id, decision: 'deny' }), 'unknown_approval');
    await a.waitForIdle(id);
    await b.waitForIdle(id);
    const decided = a.of(id).filter((event) => event.type === 'approval.decided');
    assert.deepEqual(decided.map((event) => event.type === 'approval.decided' && event.decision), ['approve']);
    assert.deepEqual(b.of(id), a.of(id));
    await stat(join(kit.workspace, 'approved.txt'));
  });

  void it('steer from a second client reaches the running turn', async () => {
    const a = await kit.connect();
    const b = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await b.client.request('thread.attach', { thread_id: id });
    await a.client.submit(id, { type: 'user_message', text: 'slow 400' });
    await b.waitForEvent(id, (event) => event.type === 'text.delta');
    await b.client.submit(id, { type: 'steer', text: 'shorter please' });
    await a.waitForIdle(id);
    assert.ok(a.of(id).some((event) => event.type === 'steer.applied' && event.text === 'shorter please'));
    assert.deepEqual(finals(a.of(id)).at(-1), 'You said: shorter please');
  });

  void it('queue, edit a queued message from another client, and a user_message while busy is refused to its sender only', async () => {
    const a = await kit.connect();
    const b = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await b.client.request('thread.attach', { thread_id: id });
    await a.client.submit(id, { type: 'user_message', text: 'slow 100' });
    await a.client.submit(id, { type: 'queue', text: 'one' });
    await a.client.submit(id, { type: 'queue', text: 'two' });
    await b.client.submit(id, { type: 'edit_queued', index: 1, text: 'two, edited' });
    await rejectsWith(b.client.submit(id, { type: 'user_message', text: 'now' }), 'busy');
    await a.waitForIdle(id);
    await b.waitForIdle(id);
    assert.deepEqual(finals(a.of(id)).slice(1), ['You said: one', 'You said: two, edited']);
    assert.deepEqual(b.of(id), a.of(id));
  });

  void it('interrupt from another client stops the turn at once, keeping the partial answer', async () => {
    const a = await kit.connect();
    const b = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await b.client.request('thread.attach', { thread_id: id });
    await a.client.submit(id, { type: 'user_message', text: 'slow 2000' });
    await waitFor(() => a.of(id).filter((event) => event.type === 'text.delta').length >= 3);
    await b.client.submit(id, { type: 'interrupt' });
    await a.waitForIdle(id);
    const completed = a.of(id).find((event) => event.type === 'turn.completed');
    assert.equal(completed?.type === 'turn.completed' && completed.status, 'interrupted');
    const after = await a.client.request('thread.attach', { thread_id: id });
    const last = after.snapshot.history.at(-1);
    assert.ok(last?.type === 'message' && last.role === 'assistant' && last.content.startsWith('t1 t2'), 'the partial answer stays');
  });

  void it('undo over the host restores the files of the last patch', async () => {
    const a = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await a.client.submit(id, { type: 'user_message', text: steps({ type: 'tool_call', name: 'apply_patch', arguments: ADD_FILE_PATCH, kind: 'custom' }) });
    const requested = await a.waitForEvent(id, (event) => event.type === 'approval.requested');
    assert.ok(requested.type === 'approval.requested' && requested.kind === 'patch');
    await a.client.submit(id, { type: 'approval', request_id: requested.request_id, decision: 'approve' });
    await a.waitForIdle(id);
    assert.ok(a.of(id).some((event) => event.type === 'patch.applied'));
    assert.equal(await readFile(join(kit.workspace, 'hello.txt'), 'utf8'), 'hello from the host\n');
    await a.client.submit(id, { type: 'undo' });
    await a.waitForEvent(id, (event) => event.type === 'patch.undone');
    await assert.rejects(stat(join(kit.workspace, 'hello.txt')));
  });

  void it('lists threads with titles, forks one at a turn, and answers models.list', async () => {
    const a = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await a.client.submit(id, { type: 'user_message', text: 'the   first\nquestion' });
    await a.waitForIdle(id, 1);
    await a.client.submit(id, { type: 'user_message', text: 'second' });
    await a.waitForIdle(id, 2);
    const listed = (await a.client.request('threads.list', {})).threads.find((thread) => thread.thread_id === id);
    assert.equal(listed?.title, 'the first question');
    assert.equal(listed?.state, 'idle');
    assert.ok(a.changes.some((change) => change.thread_id === id && change.title === 'the first question'), 'thread.changed told the title');

    const fork = await a.client.request('thread.fork', { thread_id: id, turn: 1 });
    assert.notEqual(fork.thread.thread_id, id);
    assert.deepEqual(fork.thread.forked_from, { thread_id: id, turn: 1 });
    assert.deepEqual(fork.snapshot.history.map((item) => item.type === 'message' && item.content), ['the   first\nquestion', 'You said: the   first\nquestion']);
    assert.equal(fork.thread.title, 'the first question');
    await a.client.submit(fork.thread.thread_id, { type: 'user_message', text: 'in the fork' });
    await a.waitForIdle(fork.thread.thread_id);
    const ids = (await a.client.request('threads.list', {})).threads.map((thread) => thread.thread_id);
    assert.ok(ids.includes(id) && ids.includes(fork.thread.thread_id));
    await rejectsWith(a.client.request('thread.fork', { thread_id: id, turn: 9 }), 'invalid_turn');

    const models = await a.client.request('models.list', {});
    assert.deepEqual(models.models.map((model) => model.id), ['scripted']);
  });
  void it('set_model and compact go through as ops; an unknown model is refused with model_not_found', async () => {
    const a = await kit.connect();
    const id = (await startThread(a)).thread.thread_id;
    await a.client.submit(id, { type: 'user_message', text: 'hello' });
    await a.waitForIdle(id);
    await a.client.submit(id, { type: 'set_model', model: 'scripted' });
    await a.waitForEvent(id, (event) => event.type === 'model.changed');
    await a.client.submit(id, { type: 'compact' });
    await rejectsWith(a.client.request('thread.start', { model: 'no-such-model' }), 'model_not_found');
    await rejectsWith(a.client.submit(id, { type: 'approval', request_id: 'nope', decision: 'approve' }), 'unknown_approval');
  });
});

void describe('AgentHost: closing and resuming threads', () => {
  let kit: HostTestKit;
  before(async () => { kit = await startHostTestKit({ maxOpenThreads: 1 }); });
  after(async () => { await kit.close(); });

  void it('closes the least recently used idle thread nobody watches, and attach resumes it from disk', async () => {
    const a = await kit.connect();
    const first = (await a.client.request('thread.start', {})).thread.thread_id;
    await a.client.submit(first, { type: 'user_message', text: 'remember me' });
    await a.waitForIdle(first);
    // Watched: no room for a second thread.
    await rejectsWith(a.client.request('thread.start', {}), 'too_many_threads');
    await a.client.request('thread.detach', { thread_id: first });
    const second = (await a.client.request('thread.start', {})).thread.thread_id;
    await waitFor(() => a.changes.some((change) => change.thread_id === first && change.state === 'closed'));
    const listed = (await a.client.request('threads.list', {})).threads;
    assert.deepEqual(listed.map((thread) => [thread.thread_id, thread.state, thread.title]), [[second, 'idle', ''], [first, 'closed', 'remember me']]);

    await a.client.request('thread.detach', { thread_id: second });
    const resumed = await a.client.request('thread.attach', { thread_id: first });
    assert.deepEqual(resumed.snapshot.history.map((item) => item.type === 'message' && item.content), ['remember me', 'You said: remember me']);
    assert.equal(resumed.thread.title, 'remember me');
    await a.client.submit(first, { type: 'user_message', text: 'and again' });
    await a.waitForIdle(first, 2);
    assert.deepEqual(finals(a.of(first)), ['You said: remember me', 'You said: and again']);
  });
});

void describe('AgentHost: limits and shutdown', () => {
  let kit: HostTestKit;
  before(async () => { kit = await startHostTestKit({ maxThreadLogEvents: 10 }); });
  after(async () => { await kit.close(); });

  void it('refuses attaching mid-turn once the log outgrew its limit, and accepts it again after the turn', async () => {
    const a = await kit.connect();
    const id = (await a.client.request('thread.start', {})).thread.thread_id;
    await a.client.submit(id, { type: 'user_message', text: 'slow 400' });
    await waitFor(() => a.of(id).filter((event) => event.type === 'text.delta').length >= 20);
    const b = await kit.connect();
    await rejectsWith(b.client.request('thread.attach', { thread_id: id }), 'thread_log_full');
    await a.waitForIdle(id);
    const later = await b.client.request('thread.attach', { thread_id: id });
    assert.deepEqual(later.events, []);
    assert.equal(later.snapshot.turns, 1);
  });

  void it('closing the server interrupts running turns and closes every client with 1001', async () => {
    const a = await kit.connect();
    const id = (await a.client.request('thread.start', {})).thread.thread_id;
    await a.client.submit(id, { type: 'user_message', text: 'slow 100000' });
    await a.waitForEvent(id, (event) => event.type === 'text.delta');
    await kit.t.server.close();
    await waitFor(() => a.closedWith !== undefined);
    assert.equal(a.closedWith?.code, 1001);
  });
});
