import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { connectResponses, type ResponsesConnection } from '@spark/client';
import type { ConversationItem, GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { Session } from '../session/session-store.js';
import { SUMMARY_INSTRUCTIONS } from '../context/compact-history.js';
import { WORKSPACE_TOOLS } from '../tools/tool-definitions.js';
import { Agent, type AgentOptions } from './agent.js';
import { eventBody } from '@spark/protocol';
import type { AgentEvent, AgentEventBody } from './agent-events.js';

const GREET = "export function greet(name: string): string {\n  return 'Hello, ' + name;\n}\n";
const BAD_PATCH = '*** Begin Patch\n*** Update File: src/greet.ts\n@@\n-  return "Hello, " + name;\n+  return `Hello, ${name}`;\n*** End Patch\n';
const GOOD_PATCH = "*** Begin Patch\n*** Update File: src/greet.ts\n@@\n-  return 'Hello, ' + name;\n+  return `Hello, ${name}!`;\n*** End Patch\n";

/** Plays a read -> bad patch -> corrected patch -> answer flow, keyed on how many tool results came back. */
function editFlow(request: GenerateRequest): readonly ScriptStep[] {
  const system = request.conversation.find((item) => item.type === 'system');
  if (system?.type === 'system' && system.text.startsWith(SUMMARY_INSTRUCTIONS)) return [{ type: 'text', text: 'Summary: greet was edited.' }];
  const lastUser = [...request.conversation].reverse().find((item) => item.type === 'user');
  const text = lastUser?.type === 'user' ? lastUser.text : '';
  if (text.startsWith('slow')) {
    const steps: ScriptStep[] = [];
    for (let index = 1; index <= 400; index += 1) steps.push({ type: 'delay', ms: 5 }, { type: 'text', text: ` w${index}` });
    return steps;
  }
  if (!text.startsWith('Make greet')) return [{ type: 'text', text: `Echo: ${text}` }];
  const results = resultsAfterLastUser(request.conversation);
  switch (results.length) {
    case 0: return [{ type: 'text', text: 'Reading the file.' }, { type: 'tool_call', name: 'read_file', arguments: '{"path":"src/greet.ts","offset":0,"limit":0}' }];
    case 1: return [{ type: 'tool_call', name: 'apply_patch', arguments: BAD_PATCH, kind: 'custom' }];
    case 2: return [{ type: 'tool_call', name: 'apply_patch', arguments: GOOD_PATCH, kind: 'custom' }];
    default: return [{ type: 'text', text: 'Done: greet uses a template literal.' }];
  }
}

function resultsAfterLastUser(conversation: readonly ConversationItem[]): Array<Extract<ConversationItem, { type: 'tool_result' }>> {
  let start = 0;
  conversation.forEach((item, index) => { if (item.type === 'user' && item.text.startsWith('Make greet')) start = index; });
  return conversation.slice(start).filter((item): item is Extract<ConversationItem, { type: 'tool_result' }> => item.type === 'tool_result');
}

/** The events without their envelope (thread_id, turn_id, seq): what these tests compare. */
async function collect(events: AsyncIterable<AgentEvent>, onEvent?: (event: AgentEventBody) => void): Promise<AgentEventBody[]> {
  const out: AgentEventBody[] = [];
  for await (const event of events) {
    out.push(eventBody(event));
    onEvent?.(eventBody(event));
  }
  return out;
}

void describe('Agent over a real server (scripted engine)', () => {
  let t: TestServer;
  let workspace: string;
  const connections: ResponsesConnection[] = [];

  before(async () => { t = await startTestServer({ engineOptions: { script: editFlow, contextSize: 100_000 } }); });
  after(async () => {
    for (const connection of connections) await connection.close();
    await t.server.close();
  });
  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'spark-agent-'));
    await mkdir(join(workspace, 'src'));
    await writeFile(join(workspace, 'src', 'greet.ts'), GREET);
  });

  async function agentFor(transport: 'websocket' | 'http', extra: Partial<AgentOptions> = {}): Promise<Agent> {
    const connection = await connectResponses({ baseUrl: `${t.url}/v1`, transport });
    connections.push(connection);
    return new Agent({
      connection, model: TEST_MODEL, workspace, instructions: 'You are a test agent.', tools: WORKSPACE_TOOLS,
      contextWindow: 100_000, approval: 'auto-in-workspace', ...extra,
    });
  }

  void it('reads, fails a patch, corrects it from the quoted file text, and answers; over WebSocket each step sends only the new items', async () => {
    const agent = await agentFor('websocket');
    const before = t.engine.requests.length;
    const events = await collect(agent.run('Make greet use a template literal.'));
    const results = events.filter((event) => event.type === 'tool_result');
    assert.deepEqual(results.map((event) => [event.name, event.ok]), [['read_file', true], ['apply_patch', false], ['apply_patch', true]]);
    assert.match(results[0]?.output ?? '', /return 'Hello, ' \+ name;/);
    // The failure quotes the real line, which is how the corrected patch could be written.
    assert.match(results[1]?.output ?? '', /context_not_found[\s\S]*return 'Hello, ' \+ name;/);
    assert.equal(await readFile(join(workspace, 'src', 'greet.ts'), 'utf8'), "export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n");
    const done = events.at(-1);
    assert.deepEqual(done, { type: 'turn.completed', turn: 1, status: 'completed', final_message: 'Done: greet uses a template literal.', steps: 4 });
    assert.deepEqual(events.filter((event) => event.type === 'patch.applied').map((event) => event.changes), [[{ kind: 'M', path: 'src/greet.ts' }]]);

    const requests = t.engine.requests.slice(before);
    assert.equal(requests.length, 4);
    assert.equal(requests[0]?.continueFrom, undefined);
    for (const request of requests.slice(1)) {
      assert.ok(request.continueFrom, 'a WebSocket step continues the previous response');
      assert.deepEqual(request.conversation.map((item) => item.type), ['tool_result'], 'only the new tool result is sent');
    }
    const stats = events.filter((event) => event.type === 'response.completed').map((event) => event.stats);
    assert.deepEqual(stats.map((s) => s.input_items_sent), [1, 1, 1, 1]);
    assert.ok(stats.slice(1).every((s) => s.cached_input_tokens > 0));

    // Undo restores the file and tells the model with the next request.
    const undone = await agent.undo();
    assert.deepEqual(undone?.restored, ['src/greet.ts']);
    assert.equal(await readFile(join(workspace, 'src', 'greet.ts'), 'utf8'), GREET);
    await collect(agent.run('thanks'));
    const note = t.engine.requests.at(-1)?.conversation.find((item) => item.type === 'user' && item.text.includes('undid your patch'));
    assert.ok(note, 'the undo note reaches the model');
  });

  void it('over HTTP resends the whole history each step and reaches the same result', async () => {
    const agent = await agentFor('http');
    const before = t.engine.requests.length;
    const events = await collect(agent.run('Make greet use a template literal.'));
    assert.equal(events.at(-1)?.type === 'turn.completed' && events.at(-1)?.type, 'turn.completed');
    const requests = t.engine.requests.slice(before);
    assert.deepEqual(requests.map((request) => request.continueFrom === undefined), [true, true, true, true]);
    assert.deepEqual(requests.map((request) => request.conversation.filter((item) => item.type !== 'system').length), [1, 4, 6, 8]);
    assert.match(await readFile(join(workspace, 'src', 'greet.ts'), 'utf8'), /Hello, \$\{name\}!/);
  });

  void it('persists the session: resume rebuilds history and undo, fork starts from a turn', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spark-sessions-'));
    const session = await Session.create(dir, { workspace, model: TEST_MODEL });
    const agent = await agentFor('websocket', { session });
    await collect(agent.run('Make greet use a template literal.'));
    await collect(agent.run('second turn'));
    const resumed = await Session.open(dir, 'last', workspace);
    assert.equal(resumed.session.id, session.id);
    assert.deepEqual(resumed.state.history, agent.items);
    assert.equal(resumed.state.turns, 2);
    assert.deepEqual(resumed.state.undo.map((entry) => entry.files.map((file) => [file.path, file.before])), [[['src/greet.ts', GREET]]]);

    // A resumed agent continues the conversation and can still undo the first session's patch.
    const again = await agentFor('websocket', { session: resumed.session, resume: resumed.state });
    const events = await collect(again.run('third turn'));
    assert.equal(events[0]?.type === 'turn.started' && events[0].turn, 3);
    assert.ok((t.engine.requests.at(-1)?.conversation.length ?? 0) > 8, 'a resumed session sends its whole history once');
    assert.deepEqual((await again.undo())?.restored, ['src/greet.ts']);
    assert.equal(await readFile(join(workspace, 'src', 'greet.ts'), 'utf8'), GREET);

    const fork = await Session.fork(dir, session.id, 1);
    assert.notEqual(fork.session.id, session.id);
    assert.equal(fork.state.turns, 1);
    assert.equal(fork.state.history.filter((item) => item.type === 'message' && item.role === 'user').length, 1);
    const reopened = await Session.open(dir, fork.session.id);
    assert.deepEqual(reopened.state.history, fork.state.history);
    assert.deepEqual(reopened.state.meta.forked_from, { id: session.id, turn: 1 });
    await rm(dir, { recursive: true, force: true });
  });

  void it('interrupt stops the stream at once and keeps the partial answer; queued messages run after a turn', async () => {
    const agent = await agentFor('websocket');
    let deltas = 0;
    const events = await collect(agent.run('slow please'), (event) => {
      if (event.type === 'text.delta' && ++deltas === 5) agent.interrupt();
    });
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.status, 'interrupted');
    const partial = agent.items.at(-1);
    assert.ok(partial?.type === 'message' && partial.role === 'assistant' && partial.content.split(' ').length < 100, 'the partial answer stays in history');

    agent.queue('first queued');
    agent.queue('second queued');
    agent.editQueued(1, 'second, edited');
    const next = await collect(agent.run('now'));
    const finals = next.filter((event) => event.type === 'turn.completed').map((event) => event.type === 'turn.completed' && event.final_message);
    assert.deepEqual(finals, ['Echo: now', 'Echo: first queued', 'Echo: second, edited']);
  });

  void it('steer over WebSocket stops the response at the next token and continues with the steering text', async () => {
    const agent = await agentFor('websocket');
    let deltas = 0;
    let outcome = '';
    const events = await collect(agent.run('slow story'), (event) => {
      if (event.type === 'text.delta' && ++deltas === 5) outcome = agent.steer('shorter please');
    });
    assert.equal(outcome, 'sent');
    const applied = events.find((event) => event.type === 'steer.applied');
    assert.deepEqual(applied, { type: 'steer.applied', text: 'shorter please', how: 'successor' });
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.final_message, 'Echo: shorter please');
    const request = t.engine.requests.at(-1);
    assert.deepEqual(request?.conversation, [{ type: 'user', text: 'shorter please' }], 'the successor prefilled only the steering text');
    const roles = agent.items.map((item) => item.type === 'message' ? item.role : item.type);
    assert.deepEqual(roles, ['user', 'assistant', 'user', 'assistant']);
  });

  void it('steer over HTTP stops the request and sends the text with the next one', async () => {
    const agent = await agentFor('http');
    let deltas = 0;
    const events = await collect(agent.run('slow story'), (event) => {
      if (event.type === 'text.delta' && ++deltas === 5) agent.steer('shorter please');
    });
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.final_message, 'Echo: shorter please');
    assert.deepEqual(agent.items.map((item) => item.type === 'message' ? item.role : item.type), ['user', 'assistant', 'user', 'assistant']);
  });
});
