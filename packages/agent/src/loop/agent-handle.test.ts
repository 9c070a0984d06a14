import assert from 'node:assert/strict';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResponsesConnection } from '@spark/client';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { agentEventSchema, threadSnapshotSchema, type AgentOp } from '@spark/protocol';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { openTestAgent } from '../testing/test-agent.js';
import type { Agent, AgentOptions } from './agent.js';
import { AgentError } from './agent-error.js';
import type { AgentEvent } from './agent-events.js';
import { runTurns, submitAndCollect } from './agent-handle.js';

function script(request: GenerateRequest): readonly ScriptStep[] {
  const lastUser = [...request.conversation].reverse().find((item) => item.type === 'user');
  const text = lastUser?.type === 'user' ? lastUser.text : '';
  if (request.conversation.at(-1)?.type === 'tool_result') return [{ type: 'text', text: 'Touched.' }];
  if (text === 'touch it') return [{ type: 'tool_call', name: 'shell', arguments: '{"command":"touch approved.txt","timeout_ms":0}' }];
  if (text === 'touch later') return [{ type: 'tool_call', name: 'shell', arguments: '{"command":"touch later.txt","timeout_ms":0}' }];
  if (text.startsWith('slow')) return Array.from({ length: 200 }, (_, index): ScriptStep[] => [{ type: 'delay', ms: 5 }, { type: 'text', text: ` w${index + 1}` }]).flat();
  return [{ type: 'text', text: `Echo: ${text}` }];
}

/** Reads a subscription until the thread is idle (the idle event included). */
async function untilIdle(events: AsyncIterable<AgentEvent>, onEvent?: (event: AgentEvent) => void): Promise<AgentEvent[]> {
  const out: AgentEvent[] = [];
  for await (const event of events) {
    out.push(event);
    onEvent?.(event);
    if (event.type === 'thread.idle') break;
  }
  return out;
}

/** Submits an op with a subscription already open, and reads the thread until it is idle again. */
async function opUntilIdle(agent: Agent, op: AgentOp): Promise<AgentEvent[]> {
  const events = agent.events();
  const read = untilIdle(events);
  await agent.submit(op);
  return read;
}

function assertContiguous(events: readonly AgentEvent[], from: number): void {
  assert.deepEqual(events.map((event) => event.seq), events.map((_, index) => from + index), 'seq rises by one per event, with no gap');
}

void describe('Agent as a queue pair (scripted engine)', () => {
  let t: TestServer;
  let workspace: string;
  const connections: ResponsesConnection[] = [];

  before(async () => {
    t = await startTestServer({ engineOptions: { script, contextSize: 100_000 } });
    workspace = await mkdtemp(join(tmpdir(), 'spark-handle-'));
  });
  after(async () => {
    for (const connection of connections) await connection.close();
    await t.server.close();
  });

  const agentFor = (extra: Partial<AgentOptions> = {}): Promise<Agent> => openTestAgent(t.url, TEST_MODEL, workspace, connections, extra);

  void it('two subscribers see the same events in the same order, each valid on the wire, seq rising by one', async () => {
    const agent = await agentFor();
    const first = untilIdle(agent.events());
    const second = untilIdle(agent.events());
    await agent.submit({ type: 'user_message', text: 'hello' });
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(a, b);
    assertContiguous(a, 1);
    const types = a.map((event) => event.type).filter((type, index, all) => type !== all[index - 1]);
    assert.deepEqual(types, ['turn.started', 'response.started', 'text.delta', 'message', 'response.completed', 'turn.completed', 'thread.idle']);
    for (const event of a) assert.deepEqual(agentEventSchema.parse(JSON.parse(JSON.stringify(event))), event);
    assert.ok(a.every((event) => event.thread_id === agent.threadId));
    assert.ok(a.slice(0, -1).every((event) => event.turn_id === 'turn-1'), 'every event of the turn, turn.completed included, names it');
    assert.equal(a.at(-1)?.turn_id, null, 'thread.idle is outside any turn');

    // The next turn goes on counting.
    const next: AgentEvent[] = [];
    for await (const event of runTurns(agent, 'again')) next.push(event);
    assert.equal(next[0]?.seq, (a.at(-1)?.seq ?? 0) + 1);
    assert.equal(next[0]?.turn_id, 'turn-2');
  });

  void it('a client that attaches late gets a snapshot, then every later event once: no gap, no duplicate', async () => {
    const agent = await agentFor();
    let late: { snapshot: ReturnType<Agent['snapshot']>; events: Promise<AgentEvent[]> } | undefined;
    let deltas = 0;
    const early = untilIdle(agent.events(), (event) => {
      if (event.type === 'text.delta' && ++deltas === 10) {
        // Both in one tick, as the handle's contract asks.
        const snapshot = agent.snapshot();
        late = { snapshot, events: untilIdle(agent.events()) };
      }
    });
    await agent.submit({ type: 'user_message', text: 'slow story' });
    const all = await early;
    assert.ok(late !== undefined);
    const { snapshot } = late;
    const rest = await late.events;
    assert.deepEqual(threadSnapshotSchema.parse(JSON.parse(JSON.stringify(snapshot))), snapshot);
    assert.equal(snapshot.running_turn_id, 'turn-1');
    assert.deepEqual(snapshot.history, [{ type: 'message', role: 'user', content: 'slow story' }]);
    assert.ok(snapshot.last_seq > 0);
    assert.equal(rest[0]?.seq, snapshot.last_seq + 1, 'the first live event follows the snapshot');
    assertContiguous(rest, snapshot.last_seq + 1);
    assert.deepEqual(rest, all.filter((event) => event.seq > snapshot.last_seq), 'exactly the events the early client saw after that point');
    const after = agent.snapshot();
    assert.equal(after.running_turn_id, null);
    assert.equal(after.last_seq, all.at(-1)?.seq);
  });

  void it('an approval is a request with an id, waits in the snapshot, and is answered by the approval op', async () => {
    const agent = await agentFor({ approval: 'ask', approve: 'op' });
    const seen: AgentEvent[] = [];
    let pendingInSnapshot: unknown;
    const done = untilIdle(agent.events(), (event) => {
      seen.push(event);
      if (event.type === 'approval.requested') {
        pendingInSnapshot = agent.snapshot().pending_approvals.map((entry) => [entry.request_id, entry.kind, entry.summary]);
        void stat(join(workspace, 'approved.txt')).then(
          () => assert.fail('nothing runs before approval'),
          () => agent.submit({ type: 'approval', request_id: event.request_id, decision: 'approve' }),
        );
      }
    });
    await agent.submit({ type: 'user_message', text: 'touch it' });
    await done;
    const requested = seen.find((event) => event.type === 'approval.requested');
    assert.ok(requested?.type === 'approval.requested');
    assert.deepEqual(pendingInSnapshot, [[requested.request_id, 'shell', 'touch approved.txt']]);
    assert.equal(requested.request.kind === 'shell' && requested.request.command, 'touch approved.txt');
    const decided = seen.find((event) => event.type === 'approval.decided');
    assert.deepEqual(decided?.type === 'approval.decided' && [decided.request_id, decided.decision], [requested.request_id, 'approve']);
    await stat(join(workspace, 'approved.txt'));
    const completed = seen.find((event) => event.type === 'turn.completed');
    assert.equal(completed?.type === 'turn.completed' && completed.final_message, 'Touched.');
    assert.deepEqual(agent.snapshot().pending_approvals, []);
    await assert.rejects(agent.submit({ type: 'approval', request_id: requested.request_id, decision: 'deny' }), (error: unknown) => error instanceof AgentError && error.code === 'unknown_approval');
  });

  void it("a shell call's duration_ms is the command's run, not the wait for the user's approval", async () => {
    const agent = await agentFor({ approval: 'ask', approve: 'op' });
    let approvedAt: number | undefined;
    let resultAt: number | undefined;
    const done = untilIdle(agent.events(), (event) => {
      if (event.type === 'approval.requested') {
        // The user takes a while to answer; the command runs only after the answer.
        setTimeout(() => {
          approvedAt = performance.now();
          void agent.submit({ type: 'approval', request_id: event.request_id, decision: 'approve' });
        }, 300);
      }
      if (event.type === 'tool_result') resultAt = performance.now();
    });
    await agent.submit({ type: 'user_message', text: 'touch later' });
    const result = (await done).find((event) => event.type === 'tool_result');
    assert.ok(result?.type === 'tool_result' && result.ok && approvedAt !== undefined && resultAt !== undefined);
    // Bounded by what happened after the answer (the wait before it was 300 ms or more).
    assert.ok(result.duration_ms <= Math.ceil(resultAt - approvedAt), `duration_ms ${result.duration_ms} counts time from before the approval (${resultAt - approvedAt} ms since it)`);
  });

  void it('a malformed op is refused with invalid_op; a user_message while a turn runs with busy', async () => {
    const agent = await agentFor();
    const before = agent.snapshot().last_seq;
    for (const op of [{ type: 'dance' }, { type: 'steer' }, { type: 'approval', request_id: 'x', decision: 'maybe' }, null]) {
      await assert.rejects(agent.submit(op as unknown as AgentOp), (error: unknown) => error instanceof AgentError && error.code === 'invalid_op' && /Invalid agent op/.test(error.message));
    }
    assert.equal(agent.snapshot().last_seq, before, 'a refused op emits nothing');
    const done = untilIdle(agent.events());
    await agent.submit({ type: 'user_message', text: 'slow one' });
    await assert.rejects(agent.submit({ type: 'user_message', text: 'another' }), (error: unknown) => error instanceof AgentError && error.code === 'busy');
    await agent.submit({ type: 'interrupt' });
    const completed = (await done).find((event) => event.type === 'turn.completed');
    assert.equal(completed?.type === 'turn.completed' && completed.status, 'interrupted');
  });

  void it('queue and set_model go in as ops; undo with nothing to undo emits nothing', async () => {
    const agent = await agentFor();
    // Every change of the queue is an event: that is how attached clients show it.
    const queuedEvents = await submitAndCollect(agent, { type: 'queue', text: 'queued one' });
    assert.deepEqual(queuedEvents.map((event) => (event.type === 'queue.changed' ? event.queued : event.type)), [['queued one']]);
    assert.deepEqual(agent.snapshot().queued, ['queued one']);
    await submitAndCollect(agent, { type: 'queue', text: 'queued two' });
    const removed = await submitAndCollect(agent, { type: 'edit_queued', index: 1, text: null });
    assert.deepEqual(removed.map((event) => (event.type === 'queue.changed' ? event.queued : event.type)), [['queued one']]);
    const edited = await submitAndCollect(agent, { type: 'edit_queued', index: 0, text: 'queued, edited' });
    assert.deepEqual(edited.map((event) => (event.type === 'queue.changed' ? event.queued : event.type)), [['queued, edited']]);
    assert.deepEqual(agent.queuedMessages, ['queued, edited']);
    const changed = await submitAndCollect(agent, { type: 'set_model', model: TEST_MODEL });
    assert.deepEqual(changed.map((event) => [event.type, event.turn_id]), [['model.changed', null]]);
    assert.deepEqual(await submitAndCollect(agent, { type: 'undo' }), []);
    const events: AgentEvent[] = [];
    for await (const event of runTurns(agent, 'first')) events.push(event);
    const finals = events.flatMap((event) => (event.type === 'turn.completed' ? [event.final_message] : []));
    assert.deepEqual(finals, ['Echo: first', 'Echo: queued, edited']);
    assert.ok(events.some((event) => event.type === 'queue.changed' && event.turn_id === null), 'between turns, events belong to no turn');
  });

  void it('a steer or a "send now" with no turn running starts a turn with that text (no message left stranded in the queue)', async () => {
    const agent = await agentFor();
    const steered = await opUntilIdle(agent, { type: 'steer', text: 'late steer' });
    assert.deepEqual(steered.flatMap((event) => (event.type === 'turn.completed' ? [event.final_message] : [])), ['Echo: late steer']);
    assert.deepEqual(agent.queuedMessages, []);
    await submitAndCollect(agent, { type: 'queue', text: 'held one' });
    await submitAndCollect(agent, { type: 'queue', text: 'held two' });
    const promoted = await opUntilIdle(agent, { type: 'promote_queued', index: 1 });
    assert.deepEqual(promoted.flatMap((event) => (event.type === 'turn.completed' ? [event.final_message] : [])), ['Echo: held two', 'Echo: held one'],
      'the promoted message runs now, and the rest of the queue after it, as after any completed turn');
    assert.deepEqual(agent.queuedMessages, []);
  });

  void it('set_model takes the window the server lists for the new model, keeps the history, and answers on the new chain', async () => {
    const agent = await agentFor({ contextWindow: 4096 });
    for await (const event of runTurns(agent, 'before the switch')) void event;
    const history = agent.items.length;
    await agent.submit({ type: 'set_model', model: TEST_MODEL });
    assert.equal(agent.contextWindow, 100_000, "the listed model's window replaces the old one");
    assert.equal(agent.items.length, history, 'the history stays');
    await agent.submit({ type: 'set_model', model: 'not-listed' });
    assert.equal(agent.contextWindow, 100_000, 'a model the server does not list keeps the window');
    assert.equal(agent.snapshot().model, 'not-listed');
    await agent.submit({ type: 'set_model', model: TEST_MODEL });
    const events: AgentEvent[] = [];
    for await (const event of runTurns(agent, 'after the switch')) events.push(event);
    const sent = events.find((event) => event.type === 'response.completed');
    assert.ok(sent?.type === 'response.completed' && sent.stats.input_items_sent >= 3, 'the first request after a switch resends the history (no warm chain)');
    assert.equal(events.find((event) => event.type === 'turn.completed' && event.final_message === 'Echo: after the switch')?.type, 'turn.completed');
  });
});
