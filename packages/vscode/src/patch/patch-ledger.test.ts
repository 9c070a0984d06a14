import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentEventSchema, type AgentEvent, type ThreadSnapshot } from '@spark/protocol';
import { MAX_LEDGER_PATCHES, PatchLedger } from './patch-ledger.js';

const PATCH = '*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch';
const envelope = { thread_id: 't1', turn_id: 'u1' };
let seq = 0;
const at = (body: object): AgentEvent => agentEventSchema.parse({ ...envelope, seq: ++seq, ...body });

function snapshot(history: ThreadSnapshot['history'], undoable?: ThreadSnapshot['undoable']): ThreadSnapshot {
  return {
    thread_id: 't1', turns: 1, history, pending_approvals: [], queued: [], running_turn_id: null, model: 'm',
    context_tokens: 0, context_window: 0, last_seq: 0, ...(undoable === undefined ? {} : { undoable }),
  };
}

describe('patch ledger', () => {
  it('pairs a patch.applied event with the patch text of its tool call, and tracks what undo restores', () => {
    const ledger = new PatchLedger();
    assert.equal(ledger.apply(at({ type: 'tool_call', call_id: 'p1', name: 'apply_patch', input: PATCH })), undefined);
    const applied = ledger.apply(at({ type: 'patch.applied', call_id: 'p1', changes: [{ kind: 'A', path: 'a.txt' }] }));
    assert.deepEqual(applied, { threadId: 't1', callId: 'p1', patch: PATCH, changes: [{ kind: 'A', path: 'a.txt' }] });
    assert.ok(ledger.isUndoable('t1', 'p1'));
    ledger.apply(at({ type: 'patch.applied', call_id: 'p2', changes: [] }));
    assert.equal(ledger.isUndoable('t1', 'p1'), false, 'undo restores the last patch only');
    ledger.apply(at({ type: 'patch.undone', call_id: 'p2', restored: [] }));
    assert.ok(ledger.isUndoable('t1', 'p1'));
    assert.equal(ledger.isUndoable('t2', 'p1'), false);
  });

  it('learns patch texts from a snapshot history and an approval request, and the undo list from the snapshot', () => {
    const ledger = new PatchLedger();
    ledger.load(snapshot([{ type: 'custom_tool_call', call_id: 'h1', name: 'apply_patch', input: PATCH }], [{ call_id: 'h1', paths: ['a.txt'] }]));
    assert.ok(ledger.isUndoable('t1', 'h1'));
    assert.equal(ledger.apply(at({ type: 'patch.applied', call_id: 'h1', changes: [] }))?.patch, PATCH);
    const request = { kind: 'patch' as const, call_id: 'r1', patch: PATCH, paths: ['a.txt'], reason: 'r' };
    ledger.apply(at({ type: 'approval.requested', request_id: 'q', call_id: 'r1', kind: 'patch', summary: 's', reason: 'r', request }));
    assert.equal(ledger.apply(at({ type: 'patch.applied', call_id: 'r1', changes: [] }))?.patch, PATCH);
  });

  it('keeps a bounded number of patch texts', () => {
    const ledger = new PatchLedger();
    for (let i = 0; i <= MAX_LEDGER_PATCHES; i++) ledger.apply(at({ type: 'tool_call', call_id: `c${i}`, name: 'apply_patch', input: PATCH }));
    assert.equal(ledger.apply(at({ type: 'patch.applied', call_id: 'c0', changes: [] }))?.patch, undefined, 'the oldest was dropped');
    assert.equal(ledger.apply(at({ type: 'patch.applied', call_id: `c${MAX_LEDGER_PATCHES}`, changes: [] }))?.patch, PATCH);
  });
});
