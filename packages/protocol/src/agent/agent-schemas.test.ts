import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentEventSchema, eventBody, type AgentEvent } from './agent-event-schema.js';
import { agentOpSchema, AgentOpError, MAX_OP_TEXT_CHARS, parseAgentOp, type AgentOp } from './agent-op-schema.js';
import { threadSnapshotSchema, type ThreadSnapshot } from './thread-snapshot-schema.js';

const at = { thread_id: 'thread-1', turn_id: 'turn-1', seq: 7 };

const OPS: AgentOp[] = [
  { type: 'user_message', text: 'Make greet use a template literal.' },
  { type: 'steer', text: 'shorter please' },
  { type: 'queue', text: 'then run the tests' },
  { type: 'edit_queued', index: 0, text: 'then run the unit tests' },
  { type: 'edit_queued', index: 1, text: null },
  { type: 'promote_queued', index: 0 },
  { type: 'interrupt' },
  { type: 'approval', request_id: 'approval-1', decision: 'approve_session' },
  { type: 'undo' },
  { type: 'compact' },
  { type: 'set_model', model: 'qwen3-coder' },
  { type: 'background', text: 'run the tests and fix what fails', files: ['src/a.ts'], role: 'deep' },
  { type: 'background', text: 'look around' },
  { type: 'background_message', agent_id: 'bg1', text: 'only the unit tests' },
  { type: 'background_stop', agent_id: 'bg1' },
  { type: 'background_stop' },
  { type: 'background_apply', agent_id: 'bg1' },
];

const EVENTS: AgentEvent[] = [
  { ...at, type: 'turn.started', turn: 1, input: 'hi' },
  { ...at, type: 'response.started', response_id: 'resp_1' },
  { ...at, type: 'text.delta', response_id: 'resp_1', delta: 'He' },
  { ...at, type: 'tool_input.delta', response_id: 'resp_1', call_id: 'call_1', delta: '{"pa' },
  { ...at, type: 'message', text: 'Hello', partial: false },
  { ...at, type: 'tool_call', call_id: 'call_1', name: 'shell', input: '{"command":"rm -rf build"}' },
  { ...at, type: 'tool_output.delta', call_id: 'call_1', delta: 'removed build/\n' },
  {
    ...at, type: 'approval.requested', request_id: 'approval-1', call_id: 'call_1', kind: 'shell', summary: 'rm -rf build', reason: 'writes',
    request: { kind: 'shell', call_id: 'call_1', command: 'rm -rf build', reason: 'writes', classes: ['write'] },
  },
  { ...at, type: 'approval.decided', request_id: 'approval-1', call_id: 'call_1', decision: 'deny' },
  { ...at, type: 'tool_result', call_id: 'call_1', name: 'shell', ok: true, output: 'ok', exit_code: null, duration_ms: 3 },
  { ...at, type: 'tool_result', call_id: 'call_2', name: 'read_file', ok: true, output: 'text', duration_ms: 1 },
  { ...at, type: 'patch.hunk', call_id: 'call_3', path: 'a.ts', hunk: 1, ok: false, code: 'context_not_found', message: 'm', expected: ['x'], excerpt: '1 | y', stopped: true },
  { ...at, type: 'patch.applied', call_id: 'call_3', changes: [{ kind: 'M', path: 'a.ts' }] },
  { ...at, turn_id: null, type: 'patch.undone', call_id: 'call_3', restored: ['a.ts'] },
  { ...at, type: 'file.reread', path: 'a.ts', deleted: false },
  { ...at, type: 'steer.sent', text: 'shorter', response_id: 'resp_1' },
  { ...at, type: 'steer.applied', text: 'shorter', how: 'successor' },
  { ...at, turn_id: null, type: 'queue.changed', queued: ['next'] },
  { ...at, type: 'compaction', kind: 'prune', tokens_before: 900, tokens_after: 400 },
  {
    ...at, type: 'response.completed', status: 'completed',
    stats: { response_id: 'resp_1', input_tokens: 10, cached_input_tokens: 8, output_tokens: 3, ttft_ms: 12, tokens_per_second: null, transport: 'websocket', input_items_sent: 1 },
  },
  { ...at, turn_id: null, type: 'model.changed', model: 'other' },
  { ...at, type: 'warning', code: 'repetition', message: 'looping' },
  { ...at, type: 'error', code: 'response_failed', message: 'boom' },
  { ...at, type: 'turn.completed', turn: 1, status: 'completed', final_message: 'Hello', steps: 1 },
  { ...at, turn_id: null, type: 'history.replaced', items: [{ type: 'message', role: 'user', content: 'hi' }] },
  { ...at, turn_id: null, type: 'background.started', agent_id: 'bg1', task: 'fix', role: 'fast', model: 'm', files: [], stream_id: 'bg-bg1' },
  { ...at, type: 'background.step', agent_id: 'bg1', step: 1, tool: 'shell' },
  { ...at, type: 'background.delta', agent_id: 'bg1', delta: 'Looking at ' },
  { ...at, type: 'background.tool', agent_id: 'bg1', name: 'shell', ok: true, output: 'ok 3 tests' },
  { ...at, type: 'background.status', agent_id: 'bg1', status: 'running', steps: 2, tokens: 300, elapsed_ms: 41 },
  { ...at, type: 'background.finished', agent_id: 'bg1', status: 'completed', summary: 'Fixed.', patch: '*** Begin Patch\n*** End Patch\n', files: ['a.ts'] },
  { ...at, type: 'background.stopped', agent_id: 'bg1', reason: 'Stopped by the user.' },
  { ...at, type: 'background.error', agent_id: 'bg1', code: 'background_limit', message: 'too many' },
  { ...at, type: 'background.applied', agent_id: 'bg1', applied: false, message: 'hunk 1 of a.ts no longer matches' },
  { ...at, turn_id: null, type: 'thread.idle' },
];

void describe('agent wire schemas', () => {
  void it('every op survives JSON and parses back to itself', () => {
    for (const op of OPS) assert.deepEqual(parseAgentOp(JSON.parse(JSON.stringify(op))), op);
  });

  void it('every event type survives JSON and parses back to itself', () => {
    const types = new Set(agentEventSchema.options.map((option) => option.shape.type.value));
    assert.deepEqual(new Set(EVENTS.map((event) => event.type)), types, 'the fixture covers every event type');
    for (const event of EVENTS) assert.deepEqual(agentEventSchema.parse(JSON.parse(JSON.stringify(event))), event);
  });

  void it('an event without its envelope, or with a negative seq, does not parse', () => {
    assert.equal(agentEventSchema.safeParse(eventBody(EVENTS[0] as AgentEvent)).success, false);
    assert.equal(agentEventSchema.safeParse({ ...EVENTS[0], seq: -1 }).success, false);
    assert.deepEqual(eventBody(EVENTS[0] as AgentEvent), { type: 'turn.started', turn: 1, input: 'hi' });
  });

  void it('a snapshot survives JSON and parses back to itself', () => {
    const snapshot: ThreadSnapshot = {
      thread_id: 'thread-1', turns: 2, model: 'scripted', context_tokens: 120, context_window: 4096, last_seq: 41,
      history: [
        { type: 'message', role: 'user', content: 'hi' },
        { type: 'function_call', call_id: 'c1', name: 'read_file', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'x' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: 'ok' },
        { type: 'message', role: 'assistant', content: 'done' },
      ],
      pending_approvals: [{
        request_id: 'approval-2', turn_id: 'turn-2', seq: 40, call_id: 'c3', kind: 'patch', summary: 'edit a.ts', reason: 'ask mode',
        request: { kind: 'patch', call_id: 'c3', patch: '*** Begin Patch', paths: ['a.ts'], reason: 'ask mode' },
      }],
      queued: ['next one'],
      running_turn_id: 'turn-2',
      undoable: [{ call_id: 'c0', paths: ['README.md'] }, { call_id: 'c2', paths: ['a.ts', 'b/c.ts'] }],
    };
    assert.deepEqual(threadSnapshotSchema.parse(JSON.parse(JSON.stringify(snapshot))), snapshot);
  });

  void it('a malformed or unknown op is refused with code invalid_op and says what is wrong', () => {
    const bad: unknown[] = [
      { type: 'dance' }, { text: 'no type' }, { type: 'approval', request_id: 'a', decision: 'maybe' },
      { type: 'edit_queued', index: -1, text: 'x' }, { type: 'steer' }, null, 'steer',
      { type: 'queue', text: 'x'.repeat(MAX_OP_TEXT_CHARS + 1) },
    ];
    for (const value of bad) {
      assert.throws(() => parseAgentOp(value), (error: unknown) => error instanceof AgentOpError && error.code === 'invalid_op' && /Invalid agent op/.test(error.message));
    }
    assert.throws(() => parseAgentOp({ type: 'approval', request_id: 'a', decision: 'maybe' }), /decision/);
    assert.equal(agentOpSchema.safeParse({ type: 'interrupt' }).success, true);
  });
});
