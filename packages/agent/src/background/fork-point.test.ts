import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectResponses, type CreateParams, type ResponsesConnection } from '@spark/client';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { Agent } from '../loop/agent.js';
import type { AgentEvent } from '../loop/agent-events.js';
import { RecordingConnection } from '../testing/recording-connection.js';
import { WORKSPACE_TOOLS } from '../tools/tool-definitions.js';
import { FORK_CALL_OUTPUT, forkPointOf } from './fork-point.js';

const DEEP_MODEL = 'scripted-deep';

/** The foreground delegates 'delegate ...' (its task: 'BG ...'); a background agent answers at once. */
function script(request: GenerateRequest): readonly ScriptStep[] {
  const users = request.conversation.flatMap((item) => (item.type === 'user' ? [item.text] : []));
  if (users.some((text) => text.startsWith('BG'))) return [{ type: 'text', text: 'Nothing to change.' }];
  if (request.conversation.at(-1)?.type === 'tool_result') return [{ type: 'text', text: 'A background agent is on it.' }];
  return [{ type: 'tool_call', name: 'spawn_agent', arguments: JSON.stringify({ message: 'BG look around', files: '', model: '' }) }];
}

void describe('a background agent forks the foreground context on the same model', () => {
  let t: TestServer;
  let base: string;
  const connections: ResponsesConnection[] = [];
  const agents: Agent[] = [];

  before(async () => {
    t = await startTestServer({ engineOptions: { script, models: [TEST_MODEL, DEEP_MODEL], contextSize: 100_000 } });
    base = await mkdtemp(join(tmpdir(), 'spark-fork-'));
  });
  after(async () => {
    for (const agent of agents) await agent.background.close();
    for (const connection of connections) await connection.close();
    await t.server.close();
    await rm(base, { recursive: true, force: true });
  });

  /** Delegates once and returns every request the agent's connection sent, foreground and background. */
  async function delegate(deepModel: string | undefined): Promise<{ foreground: CreateParams[]; background: CreateParams[] }> {
    const connection = new RecordingConnection(await connectResponses({ baseUrl: `${t.url}/v1`, transport: 'websocket' }));
    connections.push(connection);
    const agent = new Agent({
      connection, model: TEST_MODEL, workspace: base, instructions: 'Foreground prompt.', tools: WORKSPACE_TOOLS, contextWindow: 100_000,
      approval: 'auto-in-workspace', sandbox: 'off',
      background: { delegate: true, worktreeDir: join(base, 'worktrees'), ...(deepModel === undefined ? {} : { deepModel }) },
    });
    agents.push(agent);
    const events = agent.events()[Symbol.asyncIterator]();
    await agent.submit({ type: 'user_message', text: 'delegate a look around' });
    for (let next = await events.next(); !next.done; next = await events.next()) {
      const event: AgentEvent = next.value;
      if (event.type === 'background.finished' || event.type === 'background.error') {
        assert.equal(event.type, 'background.finished', JSON.stringify(event));
        break;
      }
    }
    await events.return?.();
    return {
      foreground: connection.sent.filter((params) => params.stream_id === undefined),
      background: connection.sent.filter((params) => params.stream_id?.startsWith('bg-') === true),
    };
  }

  void it('starts its chain from the foreground\'s last response, answering the spawn_agent call, under the foreground\'s prompt', async () => {
    const { foreground, background } = await delegate(undefined);
    const first = background[0];
    const forkedFrom = foreground[1]?.previous_response_id;
    assert.ok(forkedFrom !== undefined && forkedFrom !== null, 'the foreground continued its own chain');
    assert.equal(first?.previous_response_id, forkedFrom, 'the background continues the response that called spawn_agent');
    assert.equal(first?.instructions, foreground[0]?.instructions, 'the same prompt, so the server\'s KV prefix matches');
    assert.deepEqual(first?.tools, foreground[0]?.tools);
    const input = Array.isArray(first?.input) ? first.input : [];
    const spawnCall = foreground[1] !== undefined && Array.isArray(foreground[1].input) ? foreground[1].input[0] : undefined;
    assert.ok(spawnCall !== undefined && 'call_id' in spawnCall);
    assert.deepEqual(input[0], { type: 'function_call_output', call_id: spawnCall.call_id, output: FORK_CALL_OUTPUT });
    assert.match(JSON.stringify(input[1]), /BG look around.*You are background agent/);
    assert.equal(input.length, 2);
    // Its next request (if any) continues its own chain; none repeats the fork.
    for (const later of background.slice(1)) assert.notEqual(later.previous_response_id, forkedFrom);
  });

  void it('starts fresh on another model (the deep one)', async () => {
    const { foreground, background } = await delegate(DEEP_MODEL);
    const first = background[0];
    assert.equal(first?.model, DEEP_MODEL);
    assert.equal(first?.previous_response_id, undefined);
    assert.notEqual(first?.instructions, foreground[0]?.instructions, 'its own prompt, for its worktree');
  });

  void it('does not fork over HTTP, without a chain, or from a context past half the window', () => {
    const ws = { kind: 'websocket', connectionEpoch: 3 } as const;
    const chain = { responseId: 'resp_1', epoch: 3, items: 1 };
    const history = [{ type: 'message', role: 'user', content: 'hi' }] as const;
    const connection = (kind: 'websocket' | 'http'): ResponsesConnection => ({ ...ws, kind, stream: () => { throw new Error('unused'); }, steer: () => undefined, listModels: () => Promise.resolve([]), close: () => Promise.resolve() });
    assert.deepEqual(forkPointOf(chain, [...history], connection('websocket'), 0.1), { responseId: 'resp_1', epoch: 3, items: [] });
    assert.equal(forkPointOf(chain, [...history], connection('http'), 0.1), undefined);
    assert.equal(forkPointOf(undefined, [...history], connection('websocket'), 0.1), undefined);
    assert.equal(forkPointOf({ ...chain, epoch: 2 }, [...history], connection('websocket'), 0.1), undefined);
    assert.equal(forkPointOf(chain, [...history], connection('websocket'), 0.6), undefined);
  });
});
