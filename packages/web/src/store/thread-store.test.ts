/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentEvent, AgentEventBody, ThreadSnapshot } from '@spark/protocol';
import { ThreadStore } from './thread-store.js';

const THREAD = 't1';

function snapshot(overrides: Partial<ThreadSnapshot> = {}): ThreadSnapshot {
  return {
    thread_id: THREAD, turns: 0, history: [], pending_approvals: [], queued: [], running_turn_id: null, model: 'm', context_tokens: 10,
    context_window: 1000, last_seq: 0, ...overrides,
  };
}

function events(from: number, bodies: AgentEventBody[]): AgentEvent[] {
  return bodies.map((body, index) => ({ ...body, thread_id: THREAD, turn_id: 'turn1', seq: from + index }));
}

function store(): ThreadStore {
  let clock = 0;
  return new ThreadStore({ schedule: () => { /* flushed by hand */ }, now: () => (clock += 10) });
}

test('a streamed answer grows one assistant entry and ends with the final message', () => {
  const s = store();
  s.load({ snapshot: snapshot(), events: [] });
  for (const event of events(1, [
    { type: 'turn.started', turn: 1, input: 'hi' },
    { type: 'response.started', response_id: 'r1' },
    { type: 'text.delta', response_id: 'r1', delta: 'Hel' },
    { type: 'text.delta', response_id: 'r1', delta: 'lo' },
  ])) s.apply(event);
  const streaming = s.view;
  assert.equal(streaming.running, true);
  assert.deepEqual(streaming.entries.map((entry) => entry.kind), ['user', 'assistant']);
  const answer = streaming.entries[1];
  assert.ok(answer?.kind === 'assistant' && answer.streaming && answer.text === 'Hello');
  assert.ok(streaming.stats.liveRate.length > 0);
  for (const event of events(5, [
    { type: 'message', text: 'Hello', partial: false },
    {
      type: 'response.completed', status: 'completed',
      stats: { response_id: 'r1', input_tokens: 40, cached_input_tokens: 0, output_tokens: 2, ttft_ms: 12, tokens_per_second: 50, transport: 'websocket', input_items_sent: 1 },
    },
    { type: 'turn.completed', turn: 1, status: 'completed', final_message: 'Hello', steps: 1 },
    { type: 'thread.idle' },
  ])) s.apply(event);
  const done = s.view;
  const final = done.entries[1];
  assert.ok(final?.kind === 'assistant' && !final.streaming && final.text === 'Hello');
  assert.equal(done.running, false);
  assert.equal(done.stats.transport, 'websocket');
  assert.equal(done.stats.ttftMs, 12);
  assert.equal(done.stats.contextTokens, 42);
  assert.deepEqual(done.stats.liveRate, []);
});

test('events at or below the last applied seq, and those of other threads, are ignored', () => {
  const s = store();
  s.load({ snapshot: snapshot({ last_seq: 4, running_turn_id: 'turn1' }), events: events(5, [{ type: 'text.delta', response_id: 'r1', delta: 'a' }]) });
  assert.equal(s.apply(events(5, [{ type: 'text.delta', response_id: 'r1', delta: 'a' }])[0]!), false);
  assert.equal(s.apply(events(3, [{ type: 'text.delta', response_id: 'r1', delta: 'x' }])[0]!), false);
  assert.equal(s.apply({ ...events(6, [{ type: 'text.delta', response_id: 'r1', delta: 'x' }])[0]!, thread_id: 'other' }), false);
  assert.equal(s.apply(events(6, [{ type: 'text.delta', response_id: 'r1', delta: 'b' }])[0]!), true);
  const answer = s.view.entries.at(-1);
  assert.ok(answer?.kind === 'assistant' && answer.text === 'ab');
  assert.equal(s.view.lastSeq, 6);
});

test('a snapshot history becomes messages, folded tool calls and patches; pending approvals follow', () => {
  const s = store();
  s.load({
    snapshot: snapshot({
      history: [
        { type: 'message', role: 'user', content: 'fix it' },
        { type: 'message', role: 'developer', content: '[harness] note' },
        { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{"command":"ls"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'a.ts' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: b.ts\n+x\n*** End Patch' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: 'Done' },
        { type: 'message', role: 'assistant', content: 'Fixed.' },
      ],
      pending_approvals: [{
        request_id: 'a1', turn_id: 'turn2', seq: 9, call_id: 'c3', kind: 'shell', summary: 'rm x', reason: 'deletes',
        request: { kind: 'shell', call_id: 'c3', command: 'rm x', reason: 'deletes', classes: [] },
      }],
      last_seq: 9,
    }),
    events: [],
  });
  const view = s.view;
  assert.deepEqual(view.entries.map((entry) => entry.kind), ['user', 'tool', 'patch', 'assistant', 'approval']);
  const tool = view.entries[1];
  assert.ok(tool?.kind === 'tool' && tool.result?.output === 'a.ts');
  assert.equal(view.undoable, true);
  s.apply(events(10, [{ type: 'approval.decided', request_id: 'a1', call_id: 'c3', decision: 'deny' }])[0]!);
  const approval = s.view.entries[4];
  assert.ok(approval?.kind === 'approval' && approval.decision === 'deny');
});

test('patches applied and undone, queue changes and an interrupt keep the partial answer', () => {
  const s = store();
  s.load({ snapshot: snapshot(), events: [] });
  for (const event of events(1, [
    { type: 'turn.started', turn: 1, input: 'go' },
    { type: 'tool_call', call_id: 'p1', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: a\n+1\n*** End Patch' },
    { type: 'tool_result', call_id: 'p1', name: 'apply_patch', ok: true, output: 'Done', duration_ms: 3 },
    { type: 'patch.applied', call_id: 'p1', changes: [{ kind: 'A', path: 'a' }] },
    { type: 'queue.changed', queued: ['next', 'later'] },
    { type: 'text.delta', response_id: 'r2', delta: 'Part' },
    { type: 'message', text: 'Part', partial: true },
    { type: 'turn.completed', turn: 1, status: 'interrupted', final_message: 'Part', steps: 2 },
  ])) s.apply(event);
  let view = s.view;
  const patch = view.entries[1];
  assert.ok(patch?.kind === 'patch' && patch.patch.startsWith('*** Begin Patch') && patch.applied?.[0]?.path === 'a');
  assert.equal(view.undoable, true);
  assert.deepEqual(view.queued, ['next', 'later']);
  const answer = view.entries[2];
  assert.ok(answer?.kind === 'assistant' && answer.partial && answer.text === 'Part');
  assert.equal(view.entries.at(-1)?.kind, 'notice');
  s.apply(events(9, [{ type: 'patch.undone', call_id: 'p1', restored: ['a'] }])[0]!);
  view = s.view;
  const undone = view.entries[1];
  assert.ok(undone?.kind === 'patch' && undone.undone?.[0] === 'a');
  assert.equal(view.undoable, false);
});

test('listeners hear of many events once per scheduled flush, and unchanged entries keep their identity', () => {
  const flushes: (() => void)[] = [];
  const s = new ThreadStore({ schedule: (flush) => { flushes.push(flush); }, now: () => 0 });
  let calls = 0;
  s.subscribe(() => { calls++; });
  s.load({ snapshot: snapshot({ history: [{ type: 'message', role: 'user', content: 'q' }] }), events: [] });
  const first = s.view.entries[0];
  for (const event of events(1, [
    { type: 'text.delta', response_id: 'r', delta: 'a' },
    { type: 'text.delta', response_id: 'r', delta: 'b' },
    { type: 'text.delta', response_id: 'r', delta: 'c' },
  ])) s.apply(event);
  assert.equal(flushes.length, 1);
  flushes[0]?.();
  assert.equal(calls, 1);
  assert.equal(s.view.entries[0], first);
  assert.equal(s.view, s.view);
});

test('a partial answer says why it stopped: the output-token limit, or an interrupt', () => {
  const ends = (status: 'completed' | 'interrupted'): string | null => {
    const s = store();
    s.load({ snapshot: snapshot(), events: [] });
    for (const event of events(1, [
      { type: 'turn.started', turn: 1, input: 'go' },
      { type: 'text.delta', response_id: 'r1', delta: 'Part' },
      { type: 'message', text: 'Part', partial: true },
      {
        type: 'response.completed', status: 'incomplete',
        stats: { response_id: 'r1', input_tokens: 4, cached_input_tokens: 0, output_tokens: 2, ttft_ms: 1, tokens_per_second: 9, transport: 'websocket', input_items_sent: 1 },
      },
      { type: 'turn.completed', turn: 1, status, final_message: 'Part', steps: 1 },
    ])) s.apply(event);
    const answer = s.view.entries.find((entry) => entry.kind === 'assistant');
    return answer?.kind === 'assistant' ? answer.stop : null;
  };
  assert.equal(ends('completed'), 'length');
  assert.equal(ends('interrupted'), 'stopped');
});

test('the stats keep their identity between rate buckets while streaming', () => {
  let now = 0;
  const s = new ThreadStore({ schedule: () => undefined, now: () => now });
  s.load({ snapshot: snapshot(), events: [] });
  assert.equal(s.view.stats.contextEstimated, true);
  const list = events(1, [
    { type: 'turn.started', turn: 1, input: 'go' },
    { type: 'text.delta', response_id: 'r', delta: 'a' },
    { type: 'text.delta', response_id: 'r', delta: 'b' },
  ]);
  s.apply(list[0]!);
  s.apply(list[1]!);
  const first = s.view.stats;
  now = 10;
  s.apply(list[2]!);
  assert.equal(s.view.stats, first, 'same bucket: the status bar does not redraw');
  now = 300;
  s.apply(events(4, [{ type: 'text.delta', response_id: 'r', delta: 'c' }])[0]!);
  assert.notEqual(s.view.stats, first);
});

test("the snapshot's undo list decides what Undo restores: a patch already undone is not offered", () => {
  const s = store();
  const history = [
    { type: 'custom_tool_call' as const, call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: b.ts\n+x\n*** End Patch' },
    { type: 'custom_tool_call_output' as const, call_id: 'c2', output: 'Done' },
  ];
  s.load({ snapshot: snapshot({ history, undoable: [], last_seq: 3 }), events: [] });
  assert.equal(s.view.undoable, false);
  s.load({ snapshot: snapshot({ history, undoable: [{ call_id: 'c2', paths: ['b.ts'] }], last_seq: 3 }), events: [] });
  assert.equal(s.view.undoable, true);
});

test("a running command's output streams into its call until the result replaces it", () => {
  const s = store();
  s.load({ snapshot: snapshot({ last_seq: 1, running_turn_id: 'turn1' }), events: [] });
  s.apply(events(2, [{ type: 'tool_call', call_id: 'c1', name: 'shell', input: '{"command":"make"}' }])[0]!);
  s.apply(events(3, [{ type: 'tool_output.delta', call_id: 'c1', delta: 'cc a.c\n' }])[0]!);
  s.apply(events(4, [{ type: 'tool_output.delta', call_id: 'c1', delta: 'cc b.c\n' }])[0]!);
  let call = s.view.entries.at(-1);
  assert.ok(call?.kind === 'tool' && call.live === 'cc a.c\ncc b.c\n' && call.result === null);
  s.apply(events(5, [{ type: 'tool_result', call_id: 'c1', name: 'shell', ok: true, output: 'Exit code 0\ncc a.c\ncc b.c', exit_code: 0, duration_ms: 5 }])[0]!);
  call = s.view.entries.at(-1);
  assert.ok(call?.kind === 'tool' && call.result?.ok === true);
});

test('background agents: rows from the snapshot, then their events; the transcript is untouched', () => {
  const s = store();
  const old = { agent_id: 'bg0', task: 'old', role: 'fast' as const, model: 'm', status: 'finished' as const, steps: 2, tokens: 90, elapsed_ms: 4000, patch: '' };
  s.load({ snapshot: snapshot({ background: [old] }), events: [] });
  for (const event of events(1, [
    { type: 'background.started', agent_id: 'bg1', task: 'fix it', role: 'deep', model: 'big', files: [], stream_id: 'bg-bg1' },
    { type: 'background.delta', agent_id: 'bg1', delta: 'Look' },
    { type: 'background.delta', agent_id: 'bg1', delta: 'ing.' },
    { type: 'background.step', agent_id: 'bg1', step: 0, tool: 'shell' },
    { type: 'background.tool', agent_id: 'bg1', name: 'shell', ok: true, output: 'ok\nmore' },
    { type: 'background.status', agent_id: 'bg1', status: 'running', steps: 1, tokens: 1200, elapsed_ms: 300 },
  ])) s.apply(event);
  const running = s.view.background;
  assert.equal(running.length, 2);
  assert.deepEqual(running[0]?.info, old, 'a row nothing happened to stays as it was');
  assert.deepEqual({ status: running[1]?.info.status, steps: running[1]?.info.steps, tokens: running[1]?.info.tokens, model: running[1]?.info.model }, { status: 'running', steps: 1, tokens: 1200, model: 'big' });
  assert.equal(running[1]?.stream, 'Looking.\n● shell\n  ⎿ ok\n');
  for (const event of events(7, [
    { type: 'background.finished', agent_id: 'bg1', status: 'completed', summary: 'Done.', patch: '*** Begin Patch\n*** End Patch\n', files: ['a.ts'] },
    { type: 'background.applied', agent_id: 'bg1', applied: false, message: 'hunk 1 of a.ts no longer matches' },
  ])) s.apply(event);
  const row = s.view.background[1];
  assert.equal(row?.info.status, 'finished');
  assert.equal(row?.note, 'hunk 1 of a.ts no longer matches');
  assert.ok((row?.info.elapsed_ms ?? 0) >= 300);
  s.apply(events(9, [{ type: 'background.applied', agent_id: 'bg1', applied: true, message: 'Success.' }])[0] as AgentEvent);
  assert.equal(s.view.background[1]?.info.applied, true);
  assert.equal(s.view.entries.length, 0);
});
