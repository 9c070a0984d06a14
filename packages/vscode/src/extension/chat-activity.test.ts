import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppliedPatch } from '../patch/patch-ledger.js';
import { INITIAL_STATUS, type SparkStatus } from '../status/spark-status.js';
import { ChatActivity } from './chat-activity.js';

const PATCH = '*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch';
const snapshot = {
  thread_id: 't1', turns: 0, history: [], pending_approvals: [], queued: [], running_turn_id: null, model: 'small',
  context_tokens: 0, context_window: 0, last_seq: 0, undoable: [],
};
const thread = { thread_id: 't1', title: '', model: 'small', created_at: '2025-01-01T00:00:00Z', updated_ms: 0, state: 'idle' };
const at = (seq: number, body: object): object => ({ thread_id: 't1', turn_id: 'u1', seq, ...body });

describe('chat activity (the relayed host frames, read by the extension)', () => {
  it('follows the shown thread into the status and reports applied and undone patches, live ones only', () => {
    let status: SparkStatus = INITIAL_STATUS;
    const applied: AppliedPatch[] = [];
    const undone: string[] = [];
    const activity = new ChatActivity({ status: (change) => { status = change(status); }, patchApplied: (patch) => { applied.push(patch); }, patchUndone: (id) => { undone.push(id); } });
    activity.connecting();
    assert.equal(status.state, 'connecting');
    activity.fromHost(JSON.stringify({ type: 'hello', protocol: 1, workspace: '/w', model: 'default-model', version: '1' }));
    assert.deepEqual([status.state, status.model], ['idle', 'default-model']);
    // An attach result replays an earlier patch: not opened again.
    const old = [at(1, { type: 'tool_call', call_id: 'p0', name: 'apply_patch', input: PATCH }), at(2, { type: 'patch.applied', call_id: 'p0', changes: [] })];
    activity.fromHost(JSON.stringify({ type: 'result', id: 'r1', result: { thread, snapshot, events: old } }));
    assert.equal(activity.threadId, 't1');
    assert.equal(status.model, 'small');
    assert.deepEqual(applied, []);
    activity.fromHost(JSON.stringify({ type: 'events', events: [
      at(3, { type: 'turn.started', turn: 1, input: 'hi' }),
      at(4, { type: 'text.delta', response_id: 'x', delta: 'ok' }),
      at(5, { type: 'tool_call', call_id: 'p1', name: 'apply_patch', input: PATCH }),
      at(6, { type: 'patch.applied', call_id: 'p1', changes: [{ kind: 'A', path: 'a.txt' }] }),
    ] }));
    assert.equal(status.state, 'working');
    assert.deepEqual(applied, [{ threadId: 't1', callId: 'p1', patch: PATCH, changes: [{ kind: 'A', path: 'a.txt' }] }]);
    assert.ok(activity.ledger.isUndoable('t1', 'p1'));
    const stats = { response_id: 'x', input_tokens: 1, cached_input_tokens: 0, output_tokens: 90, ttft_ms: 5, tokens_per_second: 321, transport: 'websocket', input_items_sent: 1 };
    activity.fromHost(JSON.stringify({ type: 'event', event: at(7, { type: 'response.completed', status: 'completed', stats }) }));
    activity.fromHost(JSON.stringify({ type: 'event', event: at(8, { type: 'patch.undone', call_id: 'p1', restored: ['a.txt'] }) }));
    activity.fromHost(JSON.stringify({ type: 'event', event: at(9, { type: 'turn.completed', turn: 1, status: 'completed', final_message: '', steps: 1 }) }));
    assert.deepEqual([status.state, status.tokensPerSecond, status.source], ['idle', 321, 'chat']);
    assert.deepEqual(undone, ['p1']);
    // Another thread's events and frames it cannot read change nothing.
    activity.fromHost(JSON.stringify({ type: 'event', event: { ...at(1, { type: 'turn.started', turn: 1, input: 'x' }), thread_id: 't2' } }));
    activity.fromHost('{"type":"result", not json');
    assert.equal(status.state, 'idle');
    activity.failed('no host');
    assert.deepEqual([status.state, status.problem], ['error', 'no host']);
  });
});
