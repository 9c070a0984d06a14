// The server's window is smaller than the agent believes: its `context_length_exceeded` (an
// error before any token, over the WebSocket) hands the turn to compaction instead of failing it.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResponsesConnection } from '@spark/client';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { eventBody } from '@spark/protocol';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { SUMMARY_INSTRUCTIONS } from '../context/compact-history.js';
import { openTestAgent } from '../testing/test-agent.js';
import type { AgentEvent, AgentEventBody } from './agent-events.js';

/** The scripted engine's window, in its tokens (words): four 400-word files do not fit. */
const SERVER_WINDOW = 1500;
const FILE_WORDS = 400;

function script(request: GenerateRequest): readonly ScriptStep[] {
  const system = request.conversation.find((item) => item.type === 'system');
  if (system?.type === 'system' && system.text.startsWith(SUMMARY_INSTRUCTIONS)) return [{ type: 'text', text: 'Read big0..big2; all filler.' }];
  const reads = request.conversation.filter((item) => item.type === 'tool_result').length;
  return reads < 6 ? [{ type: 'tool_call', name: 'read_file', arguments: `{"path":"big${reads % 3}.txt","offset":0,"limit":0}` }] : [{ type: 'text', text: 'read them all' }];
}

async function collect(events: AsyncIterable<AgentEvent>): Promise<AgentEventBody[]> {
  const out: AgentEventBody[] = [];
  for await (const event of events) out.push(eventBody(event));
  return out;
}

void describe('context_length_exceeded from the server hands the turn to compaction', () => {
  let t: TestServer;
  let workspace: string;
  const connections: ResponsesConnection[] = [];

  before(async () => {
    t = await startTestServer({ engineOptions: { script, contextSize: SERVER_WINDOW } });
    workspace = await mkdtemp(join(tmpdir(), 'spark-overflow-'));
    for (let index = 0; index < 3; index += 1) await writeFile(join(workspace, `big${index}.txt`), `${'ab '.repeat(FILE_WORDS)}\n`);
  });
  after(async () => {
    for (const connection of connections) await connection.close();
    await t.server.close();
  });

  void it('compacts and resends when the server refuses the prompt, and the turn completes', async () => {
    // The agent believes in a 100k window, so its own estimate never compacts: only the server's refusal can.
    const agent = await openTestAgent(t.url, TEST_MODEL, workspace, connections, { contextWindow: 100_000 });
    const events = await collect(agent.run('read the files'));
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.status, 'completed', JSON.stringify(events.filter((event) => event.type === 'error')));
    assert.equal(done?.type === 'turn.completed' && done.final_message, 'read them all');
    const warnings = events.filter((event) => event.type === 'warning' && event.code === 'context_length_exceeded');
    assert.ok(warnings.length >= 1, 'the server refused at least once');
    const compactions = events.filter((event) => event.type === 'compaction');
    assert.ok(compactions.length >= warnings.length, 'every refusal was followed by a compaction');
    // Each refusal is answered by a compaction before the next request: warning, compaction(s), then a response.
    const firstWarning = events.findIndex((event) => event.type === 'warning');
    assert.equal(events[firstWarning + 1]?.type, 'compaction');
    assert.equal(events.filter((event) => event.type === 'tool_result').length, 6, 'no read was lost or repeated');
  });

  void it('a message that alone outgrows the window ends the turn with context_exhausted, not a loop', async () => {
    const agent = await openTestAgent(t.url, TEST_MODEL, workspace, connections, { contextWindow: 100_000 });
    const before = t.engine.requests.length;
    const events = await collect(agent.run(`huge ${'word '.repeat(SERVER_WINDOW * 2)}`));
    const done = events.at(-1);
    assert.equal(done?.type === 'turn.completed' && done.status, 'failed');
    const error = events.find((event) => event.type === 'error');
    assert.equal(error?.type === 'error' && error.code, 'context_exhausted');
    assert.equal(t.engine.requests.length, before, 'the engine accepted no request');
  });
});
