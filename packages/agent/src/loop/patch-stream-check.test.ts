import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { connectResponses, type ResponsesConnection } from '@spark/client';
import type { ConversationItem, GenerateRequest, ScriptStep } from '@spark/engine';
import { eventBody } from '@spark/protocol';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { WORKSPACE_TOOLS } from '../tools/tool-definitions.js';
import { Agent, type AgentOptions } from './agent.js';
import type { AgentEventBody } from './agent-events.js';

const FILE = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

/** Two hunks; the first expects a line the file does not have. */
const BAD_PATCH_LINES = [
  '*** Begin Patch\n', '*** Update File: notes.txt\n', '@@\n', ' line 3\n', '-line four\n', '+LINE 4\n',
  '@@\n', ' line 20\n', '-line 21\n', '+LINE 21\n', '*** End Patch\n',
];
/** The same patch's tail, streamed slowly after the bad hunk: the stop must come before it. */
const TAIL = Array.from({ length: 120 }, (_, i) => `+added ${i}\n`);
const BAD_CHUNKS = [...BAD_PATCH_LINES.slice(0, 7), ...TAIL, ...BAD_PATCH_LINES.slice(7)];

const GOOD_PATCH = [
  '*** Begin Patch', '*** Update File: notes.txt', '@@', ' line 3', '-line 4', '+LINE 4', '@@', ' line 20', '-line 21', '+LINE 21',
  '*** Add File: fresh.txt', '+new file', '*** End Patch', '',
].join('\n');

/** The good patch in deltas of three characters, splitting lines and markers anywhere. */
const GOOD_CHUNKS = GOOD_PATCH.match(/[\s\S]{1,3}/g) ?? [];

function toolResults(conversation: readonly ConversationItem[]): Array<Extract<ConversationItem, { type: 'tool_result' }>> {
  return conversation.filter((item): item is Extract<ConversationItem, { type: 'tool_result' }> => item.type === 'tool_result');
}

function script(request: GenerateRequest): readonly ScriptStep[] {
  const user = [...request.conversation].reverse().find((item) => item.type === 'user');
  const text = user?.type === 'user' ? user.text : '';
  if (toolResults(request.conversation).length > 0) return [{ type: 'text', text: 'Retrying.' }];
  if (text === 'bad') return [{ type: 'text', text: 'Patching.' }, { type: 'tool_call', name: 'apply_patch', kind: 'custom', arguments: BAD_CHUNKS.join(''), chunks: BAD_CHUNKS, chunkDelayMs: 25 }];
  if (text === 'good') return [{ type: 'tool_call', name: 'apply_patch', kind: 'custom', arguments: GOOD_PATCH, chunks: GOOD_CHUNKS, chunkDelayMs: 1 }];
  return [{ type: 'text', text: 'Echo.' }];
}

void describe('apply_patch checked while it streams (scripted engine, real server)', () => {
  let t: TestServer;
  let workspace: string;
  const connections: ResponsesConnection[] = [];

  before(async () => { t = await startTestServer({ engineOptions: { script, contextSize: 100_000 } }); });
  after(async () => {
    for (const connection of connections) await connection.close();
    await t.server.close();
  });
  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'spark-patch-stream-'));
    await writeFile(join(workspace, 'notes.txt'), FILE);
  });

  async function run(transport: 'websocket' | 'http', input: string, extra: Partial<AgentOptions> = {}): Promise<AgentEventBody[]> {
    const connection = await connectResponses({ baseUrl: `${t.url}/v1`, transport });
    connections.push(connection);
    const agent = new Agent({
      connection, model: TEST_MODEL, workspace, instructions: 'Test agent.', tools: WORKSPACE_TOOLS, contextWindow: 100_000, approval: 'auto-in-workspace', ...extra,
    });
    const events: AgentEventBody[] = [];
    for await (const event of agent.run(input)) events.push(eventBody(event));
    return events;
  }

  for (const transport of ['websocket', 'http'] as const) {
    void it(`reports a bad hunk before the call ends, stops the response and tells the model which lines did not match (${transport})`, async () => {
      const before = t.engine.requests.length;
      const events = await run(transport, 'bad');
      const hunkEvents = events.filter((event) => event.type === 'patch.hunk');
      assert.equal(hunkEvents.length, 1);
      const [failed] = hunkEvents;
      assert.equal(failed?.ok, false);
      assert.equal(failed?.stopped, true);
      assert.deepEqual([failed?.path, failed?.hunk, failed?.code], ['notes.txt', 1, 'context_not_found']);
      assert.deepEqual(failed?.expected, ['line 3', 'line four']);
      assert.match(failed?.excerpt ?? '', /4 \| line 4/);

      // Reported while the call streamed: the rest of its input never arrived.
      const streamed = events.filter((event) => event.type === 'tool_input.delta').map((event) => event.delta).join('');
      assert.ok(!streamed.includes('*** End Patch'), 'the call was stopped before its end');
      const failedAt = events.indexOf(failed);
      assert.ok(events.slice(failedAt + 1).every((event) => event.type !== 'tool_input.delta'), 'no input streamed after the stop');

      // The model got an answer naming the lines, and the turn went on at once.
      const result = events.find((event) => event.type === 'tool_result');
      assert.equal(result?.ok, false);
      assert.match(result?.output ?? '', /stopped this apply_patch call while it streamed/);
      assert.match(result?.output ?? '', /line four/);
      const retry = t.engine.requests.slice(before).at(-1);
      const answer = toolResults(retry?.conversation ?? []).at(-1);
      assert.match(answer?.output ?? '', /not in 'notes\.txt'[\s\S]*line four/);
      assert.match(answer?.output ?? '', /4 \| line 4/, 'the real file lines nearby');
      const done = events.at(-1);
      assert.ok(done?.type === 'turn.completed' && done.status === 'completed' && done.final_message === 'Retrying.');
      assert.equal(await readFile(join(workspace, 'notes.txt'), 'utf8'), FILE, 'nothing was written');
    });
  }

  void it('applies a good patch streamed in many deltas once, atomically, after checking each hunk', async () => {
    const events = await run('websocket', 'good');
    const hunks = events.filter((event) => event.type === 'patch.hunk');
    assert.deepEqual(hunks.map((event) => [event.path, event.hunk, event.ok]), [['notes.txt', 1, true], ['notes.txt', 2, true], ['fresh.txt', 0, true]]);
    const applied = events.filter((event) => event.type === 'patch.applied');
    assert.equal(applied.length, 1);
    assert.deepEqual(applied[0]?.changes, [{ kind: 'M', path: 'notes.txt' }, { kind: 'A', path: 'fresh.txt' }]);
    // Every check came before the apply: nothing was written while the call streamed.
    assert.ok(events.indexOf(hunks.at(-1) as AgentEventBody) < events.indexOf(applied[0]));
    const text = await readFile(join(workspace, 'notes.txt'), 'utf8');
    assert.equal(text, FILE.replace('line 4\n', 'LINE 4\n').replace('line 21\n', 'LINE 21\n'));
    assert.equal(await readFile(join(workspace, 'fresh.txt'), 'utf8'), 'new file\n');
    assert.ok(events.some((event) => event.type === 'tool_result' && event.ok));
  });

  void it('with checkPatchesWhileStreaming off, lets the call finish and fails it at apply, as before', async () => {
    const events = await run('websocket', 'bad', { checkPatchesWhileStreaming: false });
    assert.equal(events.filter((event) => event.type === 'patch.hunk').length, 0);
    const streamed = events.filter((event) => event.type === 'tool_input.delta').map((event) => event.delta).join('');
    assert.equal(streamed, BAD_CHUNKS.join(''));
    const result = events.find((event) => event.type === 'tool_result');
    assert.equal(result?.ok, false);
    assert.match(result?.output ?? '', /^Error \(context_not_found\)/);
    assert.doesNotMatch(result?.output ?? '', /stopped/);
    assert.equal(await readFile(join(workspace, 'notes.txt'), 'utf8'), FILE);
  });
});
