import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ResponsesConnection } from '@spark/client';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { SUMMARY_INSTRUCTIONS, SUMMARY_PREFIX } from '../context/compact-history.js';
import { openTestAgent } from '../testing/test-agent.js';
import type { Agent, AgentOptions } from './agent.js';
import { eventBody } from '@spark/protocol';
import type { AgentEvent, AgentEventBody, ApprovalRequest } from './agent-events.js';

const WORDS = `${'ab '.repeat(400)}\n`;
const LOOPED_SENTENCE = 'Fix the bug in calc.py: add should add.\n';

/**
 * Scripts keyed on the turn's first user message; each returns the steps for the n-th model
 * request of that turn (n = tool results so far).
 */
const FLOWS: Record<string, (results: number) => readonly ScriptStep[]> = {

  'shell policy': (n) => ([
    [{ type: 'tool_call', name: 'shell', arguments: '{"command":"npm test","timeout_ms":0}' }],
    [{ type: 'tool_call', name: 'shell', arguments: '{"command":"rm -rf build","timeout_ms":0}' }],
    [{ type: 'tool_call', name: 'shell', arguments: '{"command":"ls src","timeout_ms":0}' }],
  ] satisfies ScriptStep[][])[n] ?? [{ type: 'text', text: 'policy done' }],
  'print lines': (n) => n === 0
    ? [{ type: 'tool_call', name: 'shell', arguments: '{"command":"for i in 1 2 3; do echo line $i; sleep 0.05; done; printf \'%2000s\' x","timeout_ms":0}' }]
    : [{ type: 'text', text: 'printed' }],
  'please run the tests': (n) => n === 0 ? [{ type: 'tool_call', name: 'shell', arguments: '{"command":"npm test","timeout_ms":0}' }] : [{ type: 'text', text: 'ran' }],
  'stale file': (n) => ([
    [{ type: 'tool_call', name: 'read_file', arguments: '{"path":"src/greet.ts","offset":0,"limit":0}' }],
    [{ type: 'tool_call', name: 'shell', arguments: '{"command":"echo \'// touched by a formatter\' >> src/greet.ts","timeout_ms":0}' }],
  ] satisfies ScriptStep[][])[n] ?? [{ type: 'text', text: 'noted' }],
  'read many': (n) => n < 8 ? [{ type: 'tool_call', name: 'read_file', arguments: `{"path":"big${n % 4}.txt","offset":0,"limit":0}` }] : [{ type: 'text', text: 'read them all' }],
  'loop in text': () => Array.from({ length: 80 }, (): ScriptStep[] => [{ type: 'delay', ms: 2 }, { type: 'text', text: LOOPED_SENTENCE }]).flat(),
  'loop in calls': (n) => n < 10 ? [{ type: 'tool_call', name: 'read_file', arguments: '{"path":"src/greet.ts","offset":0,"limit":0}' }] : [{ type: 'text', text: 'never' }],
  'tool then steer': (n) => n === 0
    ? [{ type: 'tool_call', name: 'read_file', arguments: '{"path":"src/greet.ts","offset":0,"limit":0}' }, { type: 'delay', ms: 3000 }, { type: 'text', text: 'never' }]
    : [{ type: 'text', text: 'after steer' }],
};

function script(request: GenerateRequest): readonly ScriptStep[] {
  const system = request.conversation.find((item) => item.type === 'system');
  if (system?.type === 'system' && system.text.startsWith(SUMMARY_INSTRUCTIONS)) return [{ type: 'text', text: 'Read files big0..big3; all hold filler.' }];
  let start = -1;
  let flow: ((results: number) => readonly ScriptStep[]) | undefined;
  request.conversation.forEach((item, index) => {
    if (item.type !== 'user') return;
    const key = Object.keys(FLOWS).find((name) => item.text.startsWith(name) || item.text.includes(`current request: ${name}`));
    if (key !== undefined) { start = index; flow = FLOWS[key]; }
  });
  if (flow === undefined) return [{ type: 'text', text: 'ok' }];
  return flow(request.conversation.slice(start).filter((item) => item.type === 'tool_result').length);
}

/** The events without their envelope (thread_id, turn_id, seq): what these tests compare. */
async function collect(events: AsyncIterable<AgentEvent>, onEvent?: (event: AgentEventBody) => void): Promise<AgentEventBody[]> {
  const out: AgentEventBody[] = [];
  for await (const event of events) { out.push(eventBody(event)); onEvent?.(eventBody(event)); }
  return out;
}

void describe('Agent harness rules (scripted engine)', () => {
  let t: TestServer;
  let workspace: string;
  const connections: ResponsesConnection[] = [];

  before(async () => { t = await startTestServer({ engineOptions: { script, contextSize: 1_000_000 } }); });
  after(async () => {
    for (const connection of connections) await connection.close();
    await t.server.close();
  });
  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'spark-agent-'));
    await mkdir(join(workspace, 'src'));
    await writeFile(join(workspace, 'src', 'greet.ts'), 'export const greet = 1;\n');
    for (let index = 0; index < 4; index += 1) await writeFile(join(workspace, `big${index}.txt`), WORDS);
  });

  const agentFor = (extra: Partial<AgentOptions> = {}): Promise<Agent> => openTestAgent(t.url, TEST_MODEL, workspace, connections, extra);

  void it('refuses tests unless asked, asks before writes in ask mode, runs reads', async () => {
    const asked: ApprovalRequest[] = [];
    const agent = await agentFor({ approval: 'ask', approve: async (request) => { asked.push(request); return 'deny'; } });
    const events = await collect(agent.run('shell policy check'));
    const results = events.filter((event) => event.type === 'tool_result');
    assert.match(results[0]?.output ?? '', /^Refused by the harness: Tests and other slow checks/);
    assert.match(results[1]?.output ?? '', /declined/);
    assert.deepEqual(asked.map((request) => request.kind === 'shell' && request.command), ['rm -rf build']);
    assert.ok(events.some((event) => event.type === 'approval.requested') && events.some((event) => event.type === 'approval.decided'));
    assert.deepEqual([results[2]?.ok, results[2]?.exit_code], [true, 0]);
    assert.match(results[2]?.output ?? '', /greet\.ts/);

    // Asking for tests in the message lets this turn run them (here npm fails: there is no package.json).
    const asking = await collect(agent.run('please run the tests'));
    const ran = asking.find((event) => event.type === 'tool_result');
    assert.doesNotMatch(ran?.output ?? '', /Refused/);
  });

  void it('streams a command\'s output as tool_output.delta events before its result, bounded', async () => {
    const agent = await agentFor({ approval: 'auto-in-workspace', shellStreamedBytes: 1000 });
    const events = await collect(agent.run('print lines'));
    const call = events.find((event) => event.type === 'tool_call');
    const deltas = events.filter((event) => event.type === 'tool_output.delta');
    const resultAt = events.findIndex((event) => event.type === 'tool_result');
    assert.ok(call?.type === 'tool_call' && deltas.every((event) => event.call_id === call.call_id));
    assert.ok(deltas.length >= 2, 'the lines arrive in more than one delta (the command sleeps between them)');
    assert.ok(events.indexOf(deltas.at(-1) as AgentEventBody) < resultAt, 'every delta comes before the result');
    const streamed = deltas.map((event) => event.delta).join('');
    assert.match(streamed, /^line 1\nline 2\nline 3\n/);
    // 2000 more characters were printed: the stream stops at the bound and says so; the result has the rest.
    assert.match(streamed, /more output; the result shows its end/);
    assert.ok(streamed.length < 1100);
    assert.match(events[resultAt]?.type === 'tool_result' ? events[resultAt].output : '', /line 3/);
  });

  void it('re-reads a file that changed on disk since the model read it', async () => {
    // Approved in case this machine has no working sandbox (then the write would ask).
    const agent = await agentFor({ approve: () => Promise.resolve('approve') });
    const events = await collect(agent.run('stale file check'));
    assert.deepEqual(events.filter((event) => event.type === 'file.reread'), [{ type: 'file.reread', path: 'src/greet.ts', deleted: false }]);
    const note = t.engine.requests.at(-1)?.conversation.find((item) => item.type === 'user' && item.text.includes('changed on disk'));
    assert.ok(note?.type === 'user' && note.text.includes('// touched by a formatter'), 'the note carries the current content');
  });

  void it('prunes old tool outputs, then summarises, and finishes the turn inside the window', async () => {
    const agent = await agentFor({ contextWindow: 4096 });
    const events = await collect(agent.run('read many files'));
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.status, 'completed', JSON.stringify(events.filter((e) => e.type === 'error')));
    const compactions = events.filter((event) => event.type === 'compaction');
    assert.ok(compactions.some((event) => event.kind === 'prune'), 'old outputs were pruned');
    assert.ok(compactions.every((event) => event.tokens_after < event.tokens_before));
    // Between two compactions there is always a completed model response: no loop.
    let sinceLast = Infinity;
    for (const event of events) {
      if (event.type === 'response.completed') sinceLast += 1;
      if (event.type === 'compaction') {
        assert.ok(sinceLast > 0 || event.kind === 'summary', 'a compaction follows progress (or continues the same one)');
        sinceLast = 0;
      }
    }
    assert.ok(agent.contextTokens <= 4096);
    assert.ok(agent.items.some((item) => item.type === 'function_call_output' && item.output.startsWith('[output pruned')) ||
      agent.items.some((item) => item.type === 'message' && item.content.startsWith(SUMMARY_PREFIX)));
  });

  void it('a turn that cannot fit fails with context_exhausted after one compaction attempt instead of looping', async () => {
    const agent = await agentFor({ contextWindow: 1024 });
    const before = t.engine.requests.length;
    const events = await collect(agent.run(`huge ${'word '.repeat(3000)}`));
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.status, 'failed');
    assert.equal(events.find((event) => event.type === 'error')?.type === 'error' && events.find((event) => event.type === 'error')?.code, 'context_exhausted');
    assert.ok(t.engine.requests.length - before <= 1, 'at most the one summary request was made');
  });

  void it('steering a response that called a tool: the server holds it and puts it before the tool result', async () => {
    const agent = await agentFor();
    let steered = false;
    const events = await collect(agent.run('tool then steer'), (event) => {
      if (event.type === 'tool_input.delta' && !steered) { steered = true; agent.steer('use the cache'); }
    });
    assert.deepEqual(events.find((event) => event.type === 'steer.applied'), { type: 'steer.applied', text: 'use the cache', how: 'with_tool_results' });
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.final_message, 'after steer');
    assert.deepEqual(t.engine.requests.at(-1)?.conversation.map((item) => item.type), ['user', 'tool_result'], 'sent once, in front of the result');
    assert.deepEqual(agent.items.map((item) => item.type === 'message' ? item.role : item.type), ['user', 'function_call', 'user', 'function_call_output', 'assistant']);
  });
  for (const transport of ['websocket', 'http'] as const) {
    void it(`stops a model that repeats a sentence: the turn ends as repetition, the partial answer kept, its stats reported (${transport})`, async () => {
      const agent = await openTestAgent(t.url, TEST_MODEL, workspace, connections, {}, transport);
      const events = await collect(agent.run('loop in text'));
      const done = events.find((event) => event.type === 'turn.completed');
      assert.equal(done?.type === 'turn.completed' && done.status, 'repetition');
      const warning = events.find((event) => event.type === 'warning');
      assert.ok(warning?.type === 'warning' && warning.code === 'repetition' && /repeated itself/.test(warning.message), JSON.stringify(warning));
      const streamed = events.flatMap((event) => event.type === 'text.delta' ? [event.delta] : []).join('');
      assert.ok(streamed.startsWith(LOOPED_SENTENCE.repeat(4)), 'the partial answer streamed');
      assert.ok(streamed.length < LOOPED_SENTENCE.length * 20, `stopped early: ${streamed.length} of ${LOOPED_SENTENCE.length * 80} characters`);
      const kept = agent.items.at(-1);
      assert.ok(kept?.type === 'message' && kept.role === 'assistant' && kept.content.startsWith(LOOPED_SENTENCE), 'the partial answer is in history');
      // The stopped response still reports what it measured, as a user's stop does (cancelled, or
      // incomplete when the scripted answer had ended before the cancel arrived), over HTTP too.
      const stats = events.find((event) => event.type === 'response.completed');
      assert.ok(stats?.type === 'response.completed' && ['cancelled', 'incomplete'].includes(stats.status) && stats.stats.ttft_ms !== null && stats.stats.output_tokens > 0, JSON.stringify(stats));
    });
  }

  void it('stops a model that makes the same call again and again, before the third run', async () => {
    const agent = await agentFor();
    const events = await collect(agent.run('loop in calls'));
    const done = events.find((event) => event.type === 'turn.completed');
    assert.equal(done?.type === 'turn.completed' && done.status, 'repetition');
    assert.equal(events.filter((event) => event.type === 'tool_result').length, 2, 'two runs, the third refused');
    assert.ok(events.some((event) => event.type === 'warning' && event.code === 'repetition' && /read_file/.test(event.message)));
    // Every call in history has an answer, so the next turn's request is valid.
    const next = await collect(agent.run('shell policy check'));
    assert.equal(next.find((event) => event.type === 'turn.completed')?.type, 'turn.completed');
  });

  void it('with the loop guard off, a repeating answer runs to its end', async () => {
    const agent = await agentFor({ loopGuard: false });
    const events = await collect(agent.run('loop in text'));
    const done = events.find((event) => event.type === 'turn.completed');
    assert.equal(done?.type === 'turn.completed' && done.status, 'completed');
    assert.equal(events.flatMap((event) => event.type === 'text.delta' ? [event.delta] : []).join(''), LOOPED_SENTENCE.repeat(80));
  });
});
